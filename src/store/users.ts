// Console users: admins, supervisors and engineers, with salted scrypt password
// hashes. Passwords handed out by an admin or the command line are one-time: the
// first sign-in must replace them.
import { randomInt } from 'node:crypto';
import { audit } from './audit.ts';
import type { Db } from './db.ts';
import { NotFoundError, ValidationError } from './errors.ts';
import { hashSecret, verifySecret } from './hashing.ts';
import { isId, requireOneOf, requireText } from './validate.ts';

export const ROLES = ['admin', 'supervisor', 'engineer'] as const;
export type Role = (typeof ROLES)[number];

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** The engineers row an engineer user answers calls as; null for the others. */
  engineerId: string | null;
  disabled: boolean;
  mustChangePassword: boolean;
  createdAt: Date;
}

export interface NewUser {
  email: string;
  name?: string | null;
  role: Role;
  engineerId?: string | null;
}

export const MIN_PASSWORD_LENGTH = 12;

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  engineer_id: string | null;
  disabled: boolean;
  must_change_password: boolean;
  created_at: Date;
  password_hash: string;
}

/** Creates a user with a generated one-time password, returned once in clear. */
export async function addUser(db: Db, input: NewUser): Promise<{ user: UserRecord; password: string }> {
  const email = requireEmail(input.email);
  const role = requireOneOf(input.role, ROLES, 'role');
  const engineerId = input.engineerId?.trim() || null;
  if (engineerId !== null && !isId(engineerId)) throw new ValidationError('engineerId is not an engineer id', 'engineerId');
  if (engineerId !== null && role !== 'engineer') {
    throw new ValidationError('only an engineer user is linked to an engineer', 'engineerId');
  }
  const name = input.name?.trim() || email.split('@')[0]!;
  const password = generatePassword();
  const [row] = await db.query<UserRow>(
    `insert into users (email, name, role, password_hash, engineer_id, must_change_password)
     values ($1, $2, $3, $4, $5, true) returning *`,
    [email, requireText(name, 'name'), role, await hashSecret(password), engineerId],
  );
  return { user: toUser(row!), password };
}

export async function listUsers(db: Db): Promise<UserRecord[]> {
  const rows = await db.query<UserRow>('select * from users order by email');
  return rows.map(toUser);
}

export async function getUser(db: Db, id: string): Promise<UserRecord | null> {
  if (!isId(id)) return null;
  const [row] = await db.query<UserRow>('select * from users where id = $1', [id]);
  return row ? toUser(row) : null;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRecord | null> {
  const [row] = await db.query<UserRow>('select * from users where email = $1', [email.trim().toLowerCase()]);
  return row ? toUser(row) : null;
}

// A real hash of nothing in particular, so an unknown email costs the same scrypt
// time as a known one and timing does not tell which emails exist.
let decoyHash: Promise<string> | null = null;

/** The user whose email and password match, if enabled; null otherwise (never says which part was wrong). */
export async function verifyPassword(db: Db, email: string, password: string): Promise<UserRecord | null> {
  const [row] = await db.query<UserRow>('select * from users where email = $1', [email.trim().toLowerCase()]);
  if (!row) {
    decoyHash ??= hashSecret(generatePassword());
    await verifySecret(password, await decoyHash);
    return null;
  }
  const ok = await verifySecret(password, row.password_hash);
  return ok && !row.disabled ? toUser(row) : null;
}

/** The user chose their own password: it is no longer one-time. */
export async function setPassword(db: Db, id: string, password: string, at: Date): Promise<void> {
  requireStrongPassword(password);
  const rows = await db.query(
    `update users set password_hash = $2, must_change_password = false, password_changed_at = $3
      where id = $1 returning id`,
    [requireUserId(id), await hashSecret(password), at],
  );
  if (rows.length === 0) throw new NotFoundError('user', id);
}

/** A new one-time password for a user who forgot theirs; returned once in clear. */
export async function resetPassword(db: Db, id: string): Promise<string> {
  const password = generatePassword();
  const rows = await db.query(
    'update users set password_hash = $2, must_change_password = true where id = $1 returning id',
    [requireUserId(id), await hashSecret(password)],
  );
  if (rows.length === 0) throw new NotFoundError('user', id);
  return password;
}

export interface UserPatch {
  name?: string;
  role?: Role;
  engineerId?: string | null;
  disabled?: boolean;
}

export async function updateUser(db: Db, id: string, patch: UserPatch): Promise<UserRecord> {
  const current = await getUser(db, id);
  if (!current) throw new NotFoundError('user', id);
  const role = patch.role === undefined ? current.role : requireOneOf(patch.role, ROLES, 'role');
  let engineerId = patch.engineerId === undefined ? current.engineerId : patch.engineerId?.trim() || null;
  if (role !== 'engineer') engineerId = null;
  if (engineerId !== null && !isId(engineerId)) throw new ValidationError('engineerId is not an engineer id', 'engineerId');
  const [row] = await db.query<UserRow>(
    'update users set name = $2, role = $3, engineer_id = $4, disabled = $5 where id = $1 returning *',
    [
      id,
      patch.name === undefined ? current.name : requireText(patch.name, 'name'),
      role,
      engineerId,
      patch.disabled ?? current.disabled,
    ],
  );
  return toUser(row!);
}

export function requireStrongPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new ValidationError(`password must be at least ${MIN_PASSWORD_LENGTH} characters`, 'password');
  }
  if (password.length > 200) throw new ValidationError('password must be at most 200 characters', 'password');
}

export function requireEmail(value: string): string {
  const email = value.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email) || email.length > 254) {
    throw new ValidationError('email must be an email address', 'email');
  }
  return email;
}

// No 0/O, 1/l/I: the password is read off a terminal and typed by hand.
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 20 characters from a 56-letter alphabet: about 116 bits, from the CSPRNG. */
export function generatePassword(): string {
  let out = '';
  for (let i = 0; i < 20; i++) {
    out += ALPHABET[randomInt(ALPHABET.length)];
    if (i % 5 === 4 && i < 19) out += '-';
  }
  return out;
}

function requireUserId(id: string): string {
  if (!isId(id)) throw new NotFoundError('user', id);
  return id;
}

function toUser(row: UserRow): UserRecord {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    engineerId: row.engineer_id,
    disabled: row.disabled,
    mustChangePassword: row.must_change_password,
    createdAt: row.created_at,
  };
}

export const DEMO_ADMIN_EMAIL = 'admin@example.com';

/**
 * First start on the embedded database: when there are no users at all, creates the
 * admin `admin@example.com` with a one-time password and returns it, to print once.
 * Null when any user exists already (the password is never shown again).
 */
export async function ensureDemoAdmin(db: Db): Promise<string | null> {
  return db.tx(async (tx) => {
    await tx.query('lock table users in share row exclusive mode');
    const [existing] = await tx.query('select 1 from users limit 1');
    if (existing) return null;
    const { user, password } = await addUser(tx, { email: DEMO_ADMIN_EMAIL, name: 'Demo admin', role: 'admin' });
    await audit(tx, { actor: 'line', action: 'user.added', entity: 'user', entityId: user.id, detail: { email: user.email, role: user.role, demo: true } });
    return password;
  });
}
