// Where the PIN key comes from: PIN_KEY (required with a shared Postgres and in
// production), else, for the embedded database, a key generated once into a file
// beside it. It is never written to the database: a stolen copy of the data alone
// must not let anyone try the 10,000 PINs offline.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Config } from '../config.ts';
import { pinKeysFrom, type PinKeys } from './pin-hash.ts';

export async function loadPinKeys(config: Pick<Config, 'PIN_KEY' | 'PIN_KEY_PREVIOUS' | 'PGLITE_DIR'>): Promise<PinKeys> {
  if (config.PIN_KEY) {
    const previous = (config.PIN_KEY_PREVIOUS ?? '').split(',').map((k) => k.trim()).filter((k) => k !== '');
    return pinKeysFrom([config.PIN_KEY.trim(), ...previous]);
  }
  // An in-memory database's PINs die with the process; so may its key.
  if (config.PGLITE_DIR.startsWith('memory://')) return pinKeysFrom([randomBytes(32).toString('base64')]);
  return pinKeysFrom([await keyFile(pinKeyFile(config.PGLITE_DIR))]);
}

/** `./data/pglite` → `./data/pin.key`: beside the database, not inside it (a copy of the database folder alone is not enough). */
export function pinKeyFile(pgliteDir: string): string {
  return join(dirname(resolve(pgliteDir)), 'pin.key');
}

async function keyFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  await mkdir(dirname(path), { recursive: true });
  try {
    await writeFile(path, `${randomBytes(32).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    // Another process made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return (await readFile(path, 'utf8')).trim();
}
