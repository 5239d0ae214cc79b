// Reading and writing the console's cookies without a cookie library: a handful of
// names we set ourselves, so parsing needs only `name=value; name=value`.
import type { Request, Response } from 'express';

export const SESSION_COOKIE = 'sl_session';
/** Carries the sign-in form's CSRF token before there is a session to hold it. */
export const SIGN_IN_COOKIE = 'sl_signin';

export function readCookie(req: Request, name: string): string | null {
  const header = req.headers.cookie;
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    const value = part.slice(eq + 1).trim();
    try {
      return decodeURIComponent(value);
    } catch {
      return null;
    }
  }
  return null;
}

export interface CookieOptions {
  maxAgeSeconds?: number;
  path?: string;
  sameSite?: 'Strict' | 'Lax';
}

/**
 * HttpOnly always; Secure whenever the request came over HTTPS (directly or through
 * the trusted proxy: express's req.secure honours X-Forwarded-Proto from it).
 */
export function setCookie(req: Request, res: Response, name: string, value: string, opts: CookieOptions = {}): void {
  const parts = [`${name}=${encodeURIComponent(value)}`, `Path=${opts.path ?? '/'}`, 'HttpOnly', `SameSite=${opts.sameSite ?? 'Lax'}`];
  if (opts.maxAgeSeconds !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(opts.maxAgeSeconds))}`);
  if (req.secure) parts.push('Secure');
  res.append('Set-Cookie', parts.join('; '));
}

export function clearCookie(req: Request, res: Response, name: string, path = '/'): void {
  setCookie(req, res, name, '', { maxAgeSeconds: 0, path });
}
