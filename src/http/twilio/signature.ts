// Every Twilio webhook enters through this check. Twilio signs the URL it requested
// (the public one, before any proxy) plus the sorted POST parameters; we rebuild
// that URL from PUBLIC_BASE_URL and the path and query exactly as received.
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import twilio from 'twilio';
import type { Logger } from 'pino';

export interface SignatureCheckOptions {
  authToken: string | null;
  publicBaseUrl: string;
  /** false only by the explicit development switch TWILIO_VALIDATE_SIGNATURES=false. */
  validate: boolean;
  logger: Logger;
}

export const SIGNATURE_HEADER = 'x-twilio-signature';

export function twilioSignatureCheck(options: SignatureCheckOptions): RequestHandler {
  const { authToken, logger } = options;
  const base = options.publicBaseUrl.replace(/\/+$/, '');
  if (!options.validate) {
    logger.warn(
      'TWILIO SIGNATURE CHECKING IS OFF (TWILIO_VALIDATE_SIGNATURES=false): anyone who can reach /twilio can drive calls. Development only.',
    );
  } else if (!authToken) {
    // Not an error: the demo and an Asterisk-only line run without Twilio (production requires it, src/carriers/twilio/settings.ts).
    logger.warn('TWILIO_AUTH_TOKEN is not set: Twilio webhooks are refused with 403 until it is');
  }

  return (req, res, next) => {
    if (!options.validate) {
      logger.warn({ path: req.path }, 'Twilio webhook accepted WITHOUT signature check (TWILIO_VALIDATE_SIGNATURES=false)');
      res.locals[SIGNED] = true;
      next();
      return;
    }
    const header = req.get(SIGNATURE_HEADER);
    const url = base + req.originalUrl;
    // Only form posts carry signed parameters; anything else is signed on the URL alone.
    const params = isPlainObject(req.body) ? (req.body as Record<string, unknown>) : {};
    const valid = !!authToken && !!header && (signedAsReceived(authToken, header, url, params) || twilio.validateRequest(authToken, header, url, params));
    if (!valid) {
      logger.warn(
        { path: req.path, reason: !authToken ? 'no auth token configured' : !header ? 'no signature header' : 'signature mismatch' },
        'Twilio webhook refused: bad signature',
      );
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    res.locals[SIGNED] = true;
    next();
  };
}

/** Set on a request whose signature checked (or whose check is switched off). */
export const SIGNED = 'twilioSigned';

/**
 * Before the body is read: a request with no signature header at all (while
 * signatures are checked) is refused at once, so nothing that can fail on a body
 * (a corrupt gzip, a bad encoding) ever answers an unsigned caller with TwiML.
 */
export function refuseUnsigned(options: Pick<SignatureCheckOptions, 'authToken' | 'validate' | 'logger'>): RequestHandler {
  return (req, res, next) => {
    if (options.validate && (!options.authToken || !req.get(SIGNATURE_HEADER))) {
      options.logger.warn({ path: req.path, reason: !options.authToken ? 'no auth token configured' : 'no signature header' }, 'Twilio webhook refused: bad signature');
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    next();
  };
}

/**
 * The URL exactly as received is one of the forms twilio.validateRequest accepts (with
 * the port when it has one, else without): checked first, a request signed over it costs
 * one HMAC. validateRequest tries the form without the port first, so a PUBLIC_BASE_URL
 * with a port cost two on every request. Anything else still goes to validateRequest.
 */
function signedAsReceived(authToken: string, header: string, url: string, params: Record<string, unknown>): boolean {
  const expected = Buffer.from(twilio.getExpectedTwilioSignature(authToken, url, params));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

function isPlainObject(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
