// Who may do what. Admins do everything; supervisors see everything and act on
// tickets; engineers see the calls they were rung for and their own tickets. Only
// admins manage users, the rota and closures.
import type { Request } from 'express';
import type { SessionUser } from '../../store/sessions.ts';
import type { Role } from '../../store/users.ts';
import { HttpError } from '../errors.ts';
import { requireAuth } from './session.ts';

export const EVERYONE: readonly Role[] = ['admin', 'supervisor', 'engineer'];
export const SUPERVISORS: readonly Role[] = ['admin', 'supervisor'];
export const ADMINS: readonly Role[] = ['admin'];

/** The signed-in user if their role is allowed: 401 without a session, 403 for the wrong role. */
export function requireRole(req: Request, roles: readonly Role[]): SessionUser {
  const auth = requireAuth(req);
  if (!roles.includes(auth.user.role)) throw new HttpError(403, 'forbidden', 'your role may not do this');
  if (auth.user.mustChangePassword) {
    throw new HttpError(403, 'password_change_required', 'choose a new password first (your password was one-time)');
  }
  return auth;
}

/**
 * What a user may see of calls and tickets: everything, or only what concerns one
 * engineer. An engineer user not linked to an engineer sees nothing.
 */
export type Scope = { all: true } | { all: false; engineerId: string | null };

export function scopeOf(auth: SessionUser): Scope {
  return auth.user.role === 'engineer' ? { all: false, engineerId: auth.user.engineerId } : { all: true };
}
