// The small set of errors the HTTP layer maps to statuses, in one place.
import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { ConflictError, InputError, ValidationError } from '../store/errors.ts';

export class HttpError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export const badRequest = (message: string) => new HttpError(400, 'bad_request', message);
export const notFound = (message = 'not found') => new HttpError(404, 'not_found', message);
export const forbidden = (message = 'forbidden') => new HttpError(403, 'forbidden', message);

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    void _next;
    const e = err as { status?: number; type?: string; message?: string };
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    if (err instanceof InputError) {
      res.status(400).json({ error: { code: 'bad_request', message: err.message } });
      return;
    }
    if (err instanceof ValidationError) {
      res.status(422).json({ error: { code: 'invalid', message: err.message } });
      return;
    }
    if (err instanceof ConflictError) {
      res.status(409).json({ error: { code: 'conflict', message: err.message } });
      return;
    }
    // body-parser's own errors carry a status: oversized (413) and malformed (400) bodies.
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'too_large', message: 'request body too large' } });
      return;
    }
    if (e.type === 'entity.parse.failed' || e.status === 400) {
      res.status(400).json({ error: { code: 'bad_request', message: 'malformed request body' } });
      return;
    }
    logger.error({ err, path: req.path }, 'request failed');
    res.status(500).json({ error: { code: 'internal', message: 'internal error' } });
  };
}
