// Voice PINs under a key: microseconds per check, useless to whoever steals the table
// without the key, and every hash from before (salted scrypt, an older key) works
// once more and is replaced.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../../src/store/hashing.ts';
import { decoyPinHash, hashPin, pinKeysFrom, verifyPin } from '../../src/store/pin-hash.ts';
import { loadPinKeys, pinKeyFile } from '../../src/store/pin-key.ts';

const OLD = 'an-old-pin-key-that-is-being-rotated-out';
const NEW = 'the-current-pin-key-every-new-hash-is-made-with';
const keys = pinKeysFrom([NEW, OLD]);

describe('PIN hashes', () => {
  it('salts every hash, names its key and verifies only the right PIN', async () => {
    const [a, b] = [hashPin('4821', keys), hashPin('4821', keys)];
    expect(a).not.toBe(b);
    expect(a).toMatch(new RegExp(`^hmac-sha256\\$${keys.current.id}\\$[A-Za-z0-9+/=]+\\$[A-Za-z0-9+/=]{44}$`));
    expect(a).not.toContain('4821');
    expect(await verifyPin('4821', a, keys)).toEqual({ ok: true, rehash: null });
    expect(await verifyPin('4822', a, keys)).toEqual({ ok: false, rehash: null });
  });

  it('is useless without the key: another key does not verify it', async () => {
    const stolen = hashPin('4821', keys);
    const attacker = pinKeysFrom(['a-guess-at-the-key-which-is-not-the-key']);
    expect(await verifyPin('4821', stolen, attacker)).toEqual({ ok: false, rehash: null });
  });

  it('an old salted scrypt hash verifies once and is re-hashed under the current key', async () => {
    const old = await hashSecret('4821');
    const right = await verifyPin('4821', old, keys);
    expect(right.ok).toBe(true);
    expect(right.rehash).toMatch(new RegExp(`^hmac-sha256\\$${keys.current.id}\\$`));
    expect(await verifyPin('4821', right.rehash!, keys)).toEqual({ ok: true, rehash: null });
    expect(await verifyPin('4822', old, keys)).toEqual({ ok: false, rehash: null });
  });

  it('a hash under a key being rotated out verifies and is re-hashed; one under a forgotten key does not', async () => {
    const underOld = hashPin('4821', pinKeysFrom([OLD]));
    const right = await verifyPin('4821', underOld, keys);
    expect(right.ok).toBe(true);
    expect(right.rehash).toMatch(new RegExp(`^hmac-sha256\\$${keys.current.id}\\$`));
    expect(await verifyPin('4821', underOld, pinKeysFrom([NEW]))).toEqual({ ok: false, rehash: null });
  });

  it('a malformed hash and the decoy verify nothing', async () => {
    for (const bad of ['plain-text', 'hmac-sha256$x$y', `hmac-sha256$${keys.current.id}$AAAA$AAAA`, decoyPinHash(keys)]) {
      expect(await verifyPin('4821', bad, keys)).toEqual({ ok: false, rehash: null });
    }
  });

  it('refuses a key shorter than 32 characters', () => {
    expect(() => pinKeysFrom(['short'])).toThrow(/at least 32 characters/);
  });
});

describe('where the PIN key comes from', () => {
  const folder = mkdtempSync(join(tmpdir(), 'pin-key-'));
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it('PIN_KEY (and the keys being rotated out) when set', async () => {
    const loaded = await loadPinKeys({ PIN_KEY: NEW, PIN_KEY_PREVIOUS: ` ${OLD} `, PGLITE_DIR: join(folder, 'unused') });
    expect(loaded.current.id).toBe(keys.current.id);
    expect([...loaded.byId.keys()]).toEqual([...keys.byId.keys()]);
  });

  it('for the embedded database: a key generated once into a file beside it, readable by its owner only', async () => {
    const dir = join(folder, 'data', 'pglite');
    const [first, second] = await Promise.all([
      loadPinKeys({ PIN_KEY: undefined, PIN_KEY_PREVIOUS: undefined, PGLITE_DIR: dir }),
      loadPinKeys({ PIN_KEY: undefined, PIN_KEY_PREVIOUS: undefined, PGLITE_DIR: dir }),
    ]);
    expect(pinKeyFile(dir)).toBe(join(folder, 'data', 'pin.key'));
    expect(first.current.id).toBe(second.current.id);
    expect(readFileSync(pinKeyFile(dir), 'utf8').trim()).toHaveLength(44);
    expect(statSync(pinKeyFile(dir)).mode & 0o077).toBe(0);
    const again = await loadPinKeys({ PIN_KEY: undefined, PIN_KEY_PREVIOUS: undefined, PGLITE_DIR: dir });
    expect(again.current.id).toBe(first.current.id);
  });
});
