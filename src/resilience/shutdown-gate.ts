// While the line shuts down it takes no new calls: a new Twilio call (the number's
// Voice URL) is answered with the safe route — the desk, or a message Twilio keeps —
// which needs no store and whose later webhooks any instance can answer. Calls in
// progress carry on: their webhooks pass through to the Twilio routes as usual.
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createLinks } from '../carriers/twilio/links.ts';
import { twilioSettings } from '../carriers/twilio/settings.ts';
import { renderSafeRoute } from '../carriers/twilio/twiml.ts';
import { bodyErrorHandler, twilioBodyParser } from '../http/twilio/body.ts';
import { twilioSignatureCheck } from '../http/twilio/signature.ts';

/** Mounted at /twilio, before the Twilio routes. */
export function shutdownGate(config: Config, isShuttingDown: () => boolean, logger: Logger): Router {
  let made: { parse: RequestHandler; check: RequestHandler; safe: string } | null = null;
  // Made on first use: the signature check announces its configuration when it is made.
  const make = () => {
    if (made) return made;
    const settings = twilioSettings(config);
    made = {
      parse: twilioBodyParser(),
      check: twilioSignatureCheck({ authToken: settings.authToken, publicBaseUrl: settings.publicBaseUrl, validate: settings.validateSignatures, logger }),
      safe: renderSafeRoute({ deskNumber: settings.deskNumber, voice: settings, links: createLinks(settings.publicBaseUrl) }),
    };
    return made;
  };
  const router = Router();
  router.post(
    '/voice',
    // Not shutting down: leave this router, on to the Twilio routes.
    (_req, _res, next) => next(isShuttingDown() ? undefined : 'router'),
    (req, res, next) => make().parse(req, res, next),
    (req, res, next) => make().check(req, res, next),
    (req, res) => {
      const body = (req.body ?? {}) as Record<string, unknown>;
      logger.warn({ callSid: body['CallSid'] }, 'shutting down: new call sent to the safe route');
      res.status(200).type('text/xml').send(make().safe);
    },
  );
  router.use(bodyErrorHandler((status, type) => logger.warn({ status, type }, 'Twilio webhook body refused')));
  return router;
}
