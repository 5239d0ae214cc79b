// Twilio posts small form bodies (about 30 fields, under 2 kB). Anything much
// bigger, or not a form, did not come from Twilio.
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';

export const TWILIO_BODY_LIMIT = '16kb';
export const TWILIO_PARAMETER_LIMIT = 200;

export function twilioBodyParser(): RequestHandler {
  // Twilio never compresses a webhook body: a gzip or brotli one did not come from it (415, before any inflating).
  const form = express.urlencoded({ extended: false, limit: TWILIO_BODY_LIMIT, parameterLimit: TWILIO_PARAMETER_LIMIT, inflate: false });
  return (req, res, next) => {
    const encoding = (req.get('content-encoding') ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity' && encoding !== '') {
      res.status(415).type('text/plain').send('Unsupported Media Type');
      return;
    }
    form(req, res, next);
  };
}

/** The client's fault (4xx) as the body parser reports it, or null for anything else. */
export function clientErrorStatus(err: unknown): number | null {
  if (typeof err !== 'object' || err === null) return null;
  const status = (err as { status?: unknown; statusCode?: unknown }).status ?? (err as { statusCode?: unknown }).statusCode;
  const type = (err as { type?: unknown }).type;
  if (typeof status === 'number' && status >= 400 && status < 500 && typeof type === 'string') return status;
  return null;
}

/** Oversized (413), unreadable (400) or wrongly encoded (415) bodies: a short plain answer, never a stack. */
export function bodyErrorHandler(onError: (status: number, type: string) => void): ErrorRequestHandler {
  return (err, _req, res, next) => {
    const status = clientErrorStatus(err);
    if (status === null) {
      next(err);
      return;
    }
    onError(status, String((err as { type?: unknown }).type));
    res.status(status).type('text/plain').send(status === 413 ? 'Payload Too Large' : 'Bad Request');
  };
}
