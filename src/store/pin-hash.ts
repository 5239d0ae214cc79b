// Voice PINs are hashed with a keyed function, not a slow one. A 4-digit PIN has
// 10,000 values: salted scrypt made a stolen table cost an attacker minutes per
// account and every caller 39 ms. HMAC-SHA-256 under PIN_KEY (never stored in
// Postgres) costs a caller microseconds and makes a stolen table useless without the
// key; the online limit stays the lockout. Encoding: `hmac-sha256$<keyId>$<salt>$<mac>`
// (base64); the key id says which key made it, so keys can rotate. Hashes from before
// (salted scrypt, src/store/hashing.ts) still verify, once: a right PIN is re-hashed.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { verifySecret } from './hashing.ts';

export interface PinKeys {
  /** New hashes are made with this one. */
  current: { id: string; key: Buffer };
  /** Every key a stored hash may name (the current one and those being rotated out). */
  byId: ReadonlyMap<string, Buffer>;
}

export const PIN_KEY_MIN_LENGTH = 32;
const SCHEME = 'hmac-sha256';
const SALT_BYTES = 16;

/** Keys from their secrets, the current one first. A key's id is a hash of it, so none is named by hand. */
export function pinKeysFrom(secrets: readonly string[]): PinKeys {
  const [first] = secrets;
  if (first === undefined) throw new Error('no PIN key');
  const byId = new Map<string, Buffer>();
  for (const secret of secrets) {
    if (secret.length < PIN_KEY_MIN_LENGTH) throw new Error(`a PIN key must be at least ${PIN_KEY_MIN_LENGTH} characters`);
    byId.set(pinKeyId(secret), Buffer.from(secret, 'utf8'));
  }
  const id = pinKeyId(first);
  return { current: { id, key: byId.get(id) as Buffer }, byId };
}

export function pinKeyId(secret: string): string {
  return createHash('sha256').update(`support-line pin key:${secret}`).digest('hex').slice(0, 12);
}

// The keys are process-wide: they come from the configuration once, at start-up
// (openLine, the CLI), and every account write and PIN check in the process uses them.
let installed: PinKeys | null = null;

export function usePinKeys(keys: PinKeys): void {
  installed = keys;
}

export function pinKeys(): PinKeys {
  if (!installed) throw new Error('PIN keys are not configured (PIN_KEY): the line sets them as it starts');
  return installed;
}

export function hashPin(pin: string, keys: PinKeys = pinKeys()): string {
  const salt = randomBytes(SALT_BYTES);
  return [SCHEME, keys.current.id, salt.toString('base64'), mac(keys.current.key, salt, pin).toString('base64')].join('$');
}

export interface PinCheck {
  ok: boolean;
  /** Right, but stored under an old scheme or key: store this hash instead. */
  rehash: string | null;
}

/** Compared against when there is no account, so an unknown number costs what a wrong PIN does. */
export function decoyPinHash(keys: PinKeys = pinKeys()): string {
  return [SCHEME, keys.current.id, 'AAAAAAAAAAAAAAAAAAAAAA==', 'A'.repeat(43) + '='].join('$');
}

export async function verifyPin(pin: string, encoded: string, keys: PinKeys = pinKeys()): Promise<PinCheck> {
  if (encoded.startsWith('scrypt$')) {
    const ok = await verifySecret(pin, encoded);
    return { ok, rehash: ok ? hashPin(pin, keys) : null };
  }
  const parts = encoded.split('$');
  if (parts.length !== 4 || parts[0] !== SCHEME) return { ok: false, rehash: null };
  const key = keys.byId.get(parts[1] as string);
  const salt = Buffer.from(parts[2] as string, 'base64');
  const expected = Buffer.from(parts[3] as string, 'base64');
  // A hash under a key we no longer hold cannot be checked: the PIN must be set again.
  if (!key || salt.length === 0 || expected.length !== 32) return { ok: false, rehash: null };
  const ok = timingSafeEqual(mac(key, salt, pin), expected);
  return { ok, rehash: ok && parts[1] !== keys.current.id ? hashPin(pin, keys) : null };
}

function mac(key: Buffer, salt: Buffer, pin: string): Buffer {
  return createHmac('sha256', key).update(salt).update(pin.normalize('NFKC')).digest();
}
