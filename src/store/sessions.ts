// Console sign-in sessions, kept server-side in Postgres so signing out, a password
// reset or disabling a user ends them everywhere at once. The cookie holds a random
// token; the table holds only its SHA-256.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from './db.ts';
import type { Role } from './users.ts';

export interface SessionPolicy {
  /** A session unused for this long has expired. */
  idleMs: number;
  /** No session lives longer than this, however busy. */
  absoluteMs: number;
}

export const DEFAULT_SESSION_POLICY: SessionPolicy = { idleMs: 8 * 60 * 60 * 1000, absoluteMs: 24 * 60 * 60 * 1000 };

/** Sliding the idle expiry rewrites the row at most this often. */
const TOUCH_EVERY_MS = 60 * 1000;

export interface SessionUser {
  sessionId: string;
  csrfToken: string;
  expiresAt: Date;
  user: {
    id: string;
    email: string;
    name: string;
    role: Role;
    engineerId: string | null;
    mustChangePassword: boolean;
  };
}

export async function createSession(
  db: Db,
  input: { userId: string; at: Date; ip: string | null; userAgent: string | null },
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(32).toString('base64url');
  const expiresAt = new Date(input.at.getTime() + Math.min(policy.idleMs, policy.absoluteMs));
  await db.query(
    `insert into console_sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, absolute_expires_at, ip, user_agent)
     values ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
    [
      tokenId(token),
      input.userId,
      csrfToken,
      input.at,
      expiresAt,
      new Date(input.at.getTime() + policy.absoluteMs),
      input.ip,
      input.userAgent?.slice(0, 300) ?? null,
    ],
  );
  return { token, csrfToken, expiresAt };
}

/** The signed-in user behind a cookie token, sliding the idle expiry; null when expired, ended or disabled. */
export async function resumeSession(
  db: Db,
  token: string,
  at: Date,
  policy: SessionPolicy = DEFAULT_SESSION_POLICY,
): Promise<SessionUser | null> {
  if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return null;
  const id = tokenId(token);
  const [row] = await db.query<{
    csrf_token: string;
    last_seen_at: Date;
    expires_at: Date;
    absolute_expires_at: Date;
    user_id: string;
    email: string;
    name: string;
    role: Role;
    engineer_id: string | null;
    must_change_password: boolean;
  }>(
    `select s.csrf_token, s.last_seen_at, s.expires_at, s.absolute_expires_at,
            u.id as user_id, u.email, u.name, u.role, u.engineer_id, u.must_change_password
       from console_sessions s join users u on u.id = s.user_id
      where s.id = $1 and s.expires_at > $2 and not u.disabled`,
    [id, at],
  );
  if (!row) return null;
  let expiresAt = row.expires_at;
  if (at.getTime() - row.last_seen_at.getTime() >= TOUCH_EVERY_MS) {
    expiresAt = new Date(Math.min(at.getTime() + policy.idleMs, row.absolute_expires_at.getTime()));
    await db.query('update console_sessions set last_seen_at = $2, expires_at = $3 where id = $1', [id, at, expiresAt]);
  }
  return {
    sessionId: id,
    csrfToken: row.csrf_token,
    expiresAt,
    user: {
      id: row.user_id,
      email: row.email,
      name: row.name,
      role: row.role,
      engineerId: row.engineer_id,
      mustChangePassword: row.must_change_password,
    },
  };
}

/** Who a session's user is now, for a stream checking that its session still stands. */
export interface SessionStanding {
  role: Role;
  engineerId: string | null;
  mustChangePassword: boolean;
}

/**
 * Of these sessions, the ones still signed in at `at` (not ended, not expired, the
 * user enabled), with their user's role and engineer link as they are now. Read only:
 * an open live page does not keep a session from idling out.
 */
export async function sessionStandings(db: Db, sessionIds: readonly string[], at: Date): Promise<Map<string, SessionStanding>> {
  if (sessionIds.length === 0) return new Map();
  const rows = await db.query<{ id: string; role: Role; engineer_id: string | null; must_change_password: boolean }>(
    `select s.id, u.role, u.engineer_id, u.must_change_password
       from console_sessions s join users u on u.id = s.user_id
      where s.id = any($1::text[]) and s.expires_at > $2 and not u.disabled`,
    [[...new Set(sessionIds)], at],
  );
  return new Map(rows.map((r) => [r.id, { role: r.role, engineerId: r.engineer_id, mustChangePassword: r.must_change_password }]));
}

export async function endSession(db: Db, sessionId: string): Promise<void> {
  await db.query('delete from console_sessions where id = $1', [sessionId]);
}

/** Ends every session of a user (a password reset, a disabled user), except `keep`. */
export async function endUserSessions(db: Db, userId: string, keep: string | null = null): Promise<number> {
  const rows = await db.query('delete from console_sessions where user_id = $1 and id <> coalesce($2, \'\') returning id', [
    userId,
    keep,
  ]);
  return rows.length;
}

/** Deletes expired rows; returns how many. */
export async function purgeExpiredSessions(db: Db, at: Date): Promise<number> {
  const rows = await db.query('delete from console_sessions where expires_at <= $1 returning id', [at]);
  return rows.length;
}

export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
