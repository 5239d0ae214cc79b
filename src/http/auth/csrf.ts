// Cross-site request forgery: every state change must send back the session's
// synchroniser token, as the `_csrf` form field or the `X-CSRF-Token` header. A
// forged form on another site cannot read it, so its POST is refused with 403.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { HttpError } from '../errors.ts';
import { authOf } from './session.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function sameToken(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The token a request sent: header first, then the form field. */
export function sentToken(req: Parameters<RequestHandler>[0]): string | null {
  const header = req.get('x-csrf-token');
  if (header) return header;
  const body: unknown = req.body;
  if (body && typeof body === 'object' && typeof (body as Record<string, unknown>)._csrf === 'string') {
    return (body as Record<string, string>)._csrf ?? null;
  }
  return null;
}

/** Refuses any unsafe method whose token does not match the session's (after the body is parsed). */
export function requireCsrf(): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) return next();
    const auth = authOf(req);
    // Without a session the guard that follows answers 401; the token cannot be checked.
    if (!auth) return next();
    if (!sameToken(sentToken(req), auth.csrfToken)) {
      throw new HttpError(403, 'csrf', 'missing or wrong CSRF token; reload the page and try again');
    }
    next();
  };
}
