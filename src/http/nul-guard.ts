// Postgres text cannot hold a NUL character and nobody types one: a request carrying
// one (in its address, query or body) is refused with 400 before any handler runs,
// so it can change nothing. Mounted once for the address and after each body parser.
import type { RequestHandler } from 'express';
import { hasNul } from '../domain/input-rules.ts';
import { HttpError } from './errors.ts';

export function refuseNul(): RequestHandler {
  return (req, _res, next) => {
    if (/%00/.test(req.originalUrl) || hasNul(req.originalUrl) || holdsNul(req.body, 0)) {
      next(new HttpError(400, 'bad_request', 'the request holds a NUL character, which is never valid input'));
      return;
    }
    next();
  };
}

function holdsNul(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return hasNul(value);
  // Parsed bodies are shallow (forms) or small (32 kB JSON); the depth bound is for safety.
  if (depth > 20 || value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return value.some((v) => holdsNul(v, depth + 1));
  return Object.entries(value).some(([k, v]) => hasNul(k) || holdsNul(v, depth + 1));
}
