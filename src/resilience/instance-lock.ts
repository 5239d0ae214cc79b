// One process per outbox name. Two processes appending to (and truncating) one
// journal would lose each other's entries, so the second refuses to start.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeIfExists } from './journal.ts';

export class OutboxInUseError extends Error {
  override readonly name = 'OutboxInUseError';
}

/** Takes `<dir>/<name>.lock` for this process; a lock left by a process that has died is taken over. */
export function lockOutbox(dir: string, name: string): { release(): void } {
  const path = join(dir, `${name}.lock`);
  const mine = String(process.pid);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(path, mine, { flag: 'wx' });
      return { release: () => releaseIfMine(path, mine) };
    } catch (err) {
      if ((err as { code?: string }).code !== 'EEXIST') throw err;
      const holder = readHolder(path);
      if (holder !== null && holder !== process.pid && alive(holder)) {
        throw new OutboxInUseError(
          `outbox ${name} in ${dir} is in use by process ${holder}: give each instance its own INSTANCE_ID`,
        );
      }
      if (holder === process.pid) {
        throw new OutboxInUseError(`outbox ${name} in ${dir} is already open in this process`);
      }
      removeIfExists(path); // its process is gone
    }
  }
  throw new OutboxInUseError(`could not lock outbox ${name} in ${dir}`);
}

function readHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}

function releaseIfMine(path: string, mine: string): void {
  try {
    if (readFileSync(path, 'utf8').trim() === mine) removeIfExists(path);
  } catch {
    /* already gone */
  }
}
