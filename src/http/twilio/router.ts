// Twilio's webhooks over HTTP: form body, signature, parameter checks, and a
// TwiML answer that keeps the caller moving whatever fails inside. Mounted at /twilio.
import path from 'node:path';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { CallDriver } from '../../calls/types.ts';
import { createTwilioCarrier, type Reply, type TwilioCarrier } from '../../carriers/twilio/carrier.ts';
import {
  legQuery,
  recordingQuery,
  safeQuery,
  screenQuery,
  statusQuery,
  stepQuery,
  voiceQuery,
  waitQuery,
  webhookParams,
  type WebhookParams,
} from '../../carriers/twilio/params.ts';
import type { TwilioRest } from '../../carriers/twilio/rest.ts';
import type { TwilioSettings } from '../../carriers/twilio/settings.ts';
import { isPromptId } from '../../domain/prompts.ts';
import { bodyErrorHandler, twilioBodyParser } from './body.ts';
import { refuseUnsigned, SIGNED, twilioSignatureCheck } from './signature.ts';

export interface TwilioRouterDeps {
  driver: CallDriver;
  settings: TwilioSettings;
  logger: Logger;
  clock?: () => Date;
  /** The ARI carrier's health; absent → Asterisk is never tried. */
  isAsteriskHealthy?: () => boolean;
  /** Twilio's REST API: rings on-call engineers first (see the carrier). */
  rest?: Pick<TwilioRest, 'ringEngineer' | 'endCall' | 'redirectCall'> | null;
}

/** Which leg a webhook belongs to decides what "keep moving" means when it fails inside. */
type Leg = 'caller' | 'engineer' | 'desk' | 'callback' | 'wait';

export function createTwilioRouter(deps: TwilioRouterDeps): Router {
  const log = deps.logger.child({ carrier: 'twilio' });
  const carrier = createTwilioCarrier({
    driver: deps.driver,
    settings: deps.settings,
    logger: deps.logger,
    clock: deps.clock ?? (() => new Date()),
    isAsteriskHealthy: deps.isAsteriskHealthy ?? (() => false),
    rest: deps.rest ?? null,
  });
  const router = express.Router();

  // Rendered prompts for <Play>: public audio, fetched by Twilio's media servers.
  router.get('/prompts/:file', (req, res) => {
    const match = /^([a-z0-9-]+)\.([a-z0-9]+)$/.exec(String(req.params['file']));
    if (!match || !isPromptId(match[1] ?? '') || match[2] !== deps.settings.promptsExtension) {
      res.status(404).type('text/plain').send('Not Found');
      return;
    }
    res.sendFile(`${match[1]}.${match[2]}`, { root: path.resolve(deps.settings.promptsDir) }, (err) => {
      if (err && !res.headersSent) res.status(404).type('text/plain').send('Not Found');
    });
  });

  router.use(
    refuseUnsigned({ authToken: deps.settings.authToken, validate: deps.settings.validateSignatures, logger: log }),
    twilioBodyParser(),
    twilioSignatureCheck({
      authToken: deps.settings.authToken,
      publicBaseUrl: deps.settings.publicBaseUrl,
      validate: deps.settings.validateSignatures,
      logger: log,
    }),
  );

  const fallback: Record<Leg, () => Reply> = {
    caller: carrier.safeRoute,
    // A failure on an engineer's leg must never join them to the caller unasked.
    engineer: carrier.hangupLeg,
    // The desk answered: joining them is the best thing left to do.
    desk: carrier.connectLeg,
    callback: () => ({ empty: true }),
    // A queued caller keeps waiting: their engineer's call still decides what comes next.
    wait: carrier.holdOn,
  };

  function webhook<Q extends z.ZodType>(
    name: string,
    leg: Leg,
    query: Q | null,
    handle: (p: WebhookParams, q: z.infer<Q>) => Promise<Reply>,
  ): RequestHandler {
    return async (req: Request, res: Response) => {
      const params = webhookParams.safeParse(req.body ?? {});
      const parsedQuery = query ? query.safeParse(req.query) : null;
      if (!params.success || (parsedQuery && !parsedQuery.success)) {
        const issues = [...(params.error?.issues ?? []), ...(parsedQuery?.error?.issues ?? [])];
        log.warn(
          { route: name, problems: issues.map((i) => `${i.path.join('.')}: ${i.message}`).slice(0, 5) },
          'malformed Twilio webhook refused',
        );
        res.status(400).type('text/plain').send('Bad Request');
        return;
      }
      let reply: Reply;
      try {
        reply = await handle(params.data, parsedQuery?.data as z.infer<Q>);
      } catch (err) {
        log.error({ err, route: name, callSid: params.data.CallSid }, 'Twilio webhook failed inside: answering with the safe route');
        reply = fallback[leg]();
      }
      send(res, reply);
    };
  }

  router.post('/voice', webhook('voice', 'caller', voiceQuery, (p, q) => carrier.voice(p, q.via)));
  router.post('/sip-result', webhook('sip-result', 'caller', null, (p) => carrier.sipResult(p)));
  router.post('/step', webhook('step', 'caller', stepQuery, (p, q) => carrier.step(p, q)));
  router.post('/screen', webhook('screen', 'engineer', screenQuery, (p, q) => carrier.screen(p, q)));
  router.post(
    '/screen-result',
    webhook('screen-result', 'engineer', screenQuery, (p, q) => carrier.screenResult(p, q)),
  );
  router.post('/wait', webhook('wait', 'wait', waitQuery, (p, q) => carrier.wait(p, q)));
  router.post('/desk-answer', webhook('desk-answer', 'desk', legQuery, (p, q) => carrier.deskAnswer(p, q)));
  router.post('/status', webhook('status', 'callback', statusQuery, (p, q) => carrier.status(p, q)));
  router.post(
    '/recording-status',
    webhook('recording-status', 'callback', recordingQuery, (p, q) => carrier.recordingStatus(p, q)),
  );
  router.post('/safe', webhook('safe', 'caller', safeQuery, (p, q) => carrier.safe(p, q.stage)));

  router.use(bodyErrorHandler((status, type) => log.warn({ status, type }, 'Twilio webhook body refused')));
  // Anything else that escaped: still TwiML, never a 5xx that ends the call with Twilio's error message.
  router.use(((err, req, res, _next) => {
    // Failed before its signature was checked: not (yet) Twilio, so no TwiML and no numbers.
    if (!res.locals[SIGNED]) {
      log.warn({ err, path: req.path }, 'Twilio webhook failed before its signature was checked');
      res.status(400).type('text/plain').send('Bad Request');
      return;
    }
    log.error({ err, path: req.path }, 'Twilio route failed outside a handler: safe route');
    send(res, carrier.safeRoute());
  }) as express.ErrorRequestHandler);

  return router;
}

export type { TwilioCarrier };

function send(res: Response, reply: Reply): void {
  if ('empty' in reply) {
    res.status(204).end();
    return;
  }
  res.status(200).type('text/xml').send(reply.twiml);
}
