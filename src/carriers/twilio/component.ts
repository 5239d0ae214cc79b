// The Twilio carrier as a part of the running line: its router at /twilio and a
// readiness line saying how webhooks are checked. `startCarriers` adds it.
import type { Config } from '../../config.ts';
import type { Component, Line } from '../../runtime.ts';
import { createTwilioRouter } from '../../http/twilio/router.ts';
import { createTwilioRest, type TwilioHttpClient } from './rest.ts';
import { assertTwilioConfig, twilioSettings } from './settings.ts';

export interface TwilioComponentOptions {
  /** The ARI carrier's health: while true, calls go to Asterisk over SIP first. */
  isAsteriskHealthy?: () => boolean;
  /** Defaults to the line's clock. */
  clock?: () => Date;
  /** Replaces the REST API's HTTP client (tests: the simulated Twilio's API). */
  httpClient?: TwilioHttpClient;
}

/**
 * Whether on-call engineers are rung through the REST API as the flow dials them: by
 * default wherever the REST API is configured, unless TWILIO_RING_FIRST=false.
 */
export function ringsFirst(c: Pick<Config, 'TWILIO_RING_FIRST' | 'TWILIO_ACCOUNT_SID' | 'TWILIO_AUTH_TOKEN' | 'TWILIO_CALLER_ID'>): boolean {
  return c.TWILIO_RING_FIRST && !!c.TWILIO_ACCOUNT_SID && !!c.TWILIO_AUTH_TOKEN && !!c.TWILIO_CALLER_ID;
}

export function twilioComponent(line: Line, options: TwilioComponentOptions = {}): Component {
  assertTwilioConfig(line.config);
  const settings = twilioSettings(line.config);
  const c = line.config;
  const rest =
    ringsFirst(c) && c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_CALLER_ID
      ? createTwilioRest({
          accountSid: c.TWILIO_ACCOUNT_SID,
          authToken: c.TWILIO_AUTH_TOKEN,
          from: c.TWILIO_CALLER_ID,
          publicBaseUrl: settings.publicBaseUrl,
          voice: settings,
          logger: line.logger,
          ...(options.httpClient ? { httpClient: options.httpClient } : {}),
        })
      : null;
  if (c.TWILIO_RING_FIRST && !rest) {
    line.logger.info('Twilio: on-call engineers are rung by the caller\'s <Dial>, after the reference (set TWILIO_ACCOUNT_SID and TWILIO_CALLER_ID to ring them first)');
  }
  const router = createTwilioRouter({
    rest,
    driver: line.calls,
    settings,
    logger: line.logger,
    clock: options.clock ?? line.clock,
    ...(options.isAsteriskHealthy ? { isAsteriskHealthy: options.isAsteriskHealthy } : {}),
  });
  const detail = !settings.validateSignatures
    ? 'webhooks accepted WITHOUT signature check (development switch)'
    : settings.authToken
      ? `webhooks signature-checked against ${settings.publicBaseUrl}`
      : 'no TWILIO_AUTH_TOKEN: every webhook is refused';
  return {
    name: 'twilio',
    router: { path: '/twilio', router },
    // Twilio is the fallback: a misconfiguration is reported but does not make the instance unready.
    checks: () => [{ name: 'twilio', optional: true, run: async () => ({ ok: settings.validateSignatures && !!settings.authToken, detail }) }],
    stop: async () => undefined,
  };
}
