// A support line answering Twilio webhooks for scenario tests: the real call service
// on a fresh Postgres database and Redis, the Twilio router on a loopback port, a
// clock the test controls, and the simulated Twilio pointed at it.
import type { Server } from 'node:http';
import express from 'express';
import { createCallService, type CallService } from '../../../src/calls/call-service.ts';
import { pgCallRecords } from '../../../src/calls/pg-records.ts';
import type { CallRecords } from '../../../src/calls/records.ts';
import type { CallDriver } from '../../../src/calls/types.ts';
import { DEFAULT_SIP_TIMEOUT_SECONDS, RENDERED_PROMPTS_DIR, type TwilioSettings } from '../../../src/carriers/twilio/settings.ts';
import { createTwilioRouter } from '../../../src/http/twilio/router.ts';
import type { Db } from '../../../src/store/db.ts';
import type { LiveStore } from '../../../src/store/live/live-store.ts';
import type { RoundTrips } from '../fake-asterisk/round-trips.ts';
import { captureLogger, type CapturedLog } from './log.ts';
import { createTwilioRest } from '../../../src/carriers/twilio/rest.ts';
import { TwilioRestDouble } from './rest-double.ts';
import { TwilioSimulator } from './simulator.ts';

export const PUBLIC_BASE_URL = 'https://support-line.example.co.uk';
export const AUTH_TOKEN = 'twilio-test-auth-token';
export const ACCOUNT_SID = 'AC' + 'f'.repeat(32);
export const LINE_NUMBER = '+441632960000';
export const DESK_NUMBER = '+441632960999';
export const BILLING_NUMBER = '+441632960998';
export const ASTERISK_SIP_URI = 'sip:support@pbx.example.co.uk;transport=tls';

/**
 * Whether lines that do not say ring the engineer first: TWILIO_RING_FIRST in the test
 * run's environment (`TWILIO_RING_FIRST=true npx vitest run test/scenarios/twilio-*`
 * runs every Twilio scenario that way), else off.
 */
export function ringFirstFromEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = env['TWILIO_RING_FIRST'];
  if (value === undefined || value === '') return false;
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  throw new Error(`TWILIO_RING_FIRST=${value}: true or false`);
}

export class TestClock {
  private t: number;
  constructor(at: string | Date) {
    this.t = new Date(at).getTime();
  }
  now = (): Date => new Date(this.t);
  set(at: string | Date): void {
    this.t = new Date(at).getTime();
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

export interface TwilioLineOptions {
  db: Db;
  live: LiveStore;
  at: string;
  settings?: Partial<TwilioSettings>;
  /** Wraps the call driver (to make it fail, or count calls). */
  driver?: (calls: CallService) => CallDriver;
  records?: (db: Db) => CallRecords;
  asteriskHealthy?: boolean;
  rounds?: number;
  ringSeconds?: number;
  /** The call service's DESK_OVERFLOW_SECONDS (the flow puts it on each connectDesk). */
  deskRingSeconds?: number;
  /** Counts the call service's Postgres and Redis calls. */
  roundTrips?: RoundTrips;
  /**
   * True → the carrier has the REST API and rings on-call engineers first (the caller
   * waits in a queue); false → the caller's <Dial> rings them after the reference.
   * Unset → TWILIO_RING_FIRST in the test run's environment (see `ringFirstFromEnv`).
   */
  rest?: boolean;
  /** The caller's speech takes simulated time (words a second); see the simulator. */
  speechWordsPerSecond?: number;
}

export interface TwilioLine {
  sim: TwilioSimulator;
  /** Twilio's REST API as the line sees it (engineer calls, cancels, redirects). */
  api: TwilioRestDouble;
  /** The line rings on-call engineers through the REST API (the caller queues meanwhile). */
  ringFirst: boolean;
  calls: CallService;
  clock: TestClock;
  log: CapturedLog;
  settings: TwilioSettings;
  url: string;
  asterisk: { healthy: boolean };
  close(): Promise<void>;
}

export async function startTwilioLine(opts: TwilioLineOptions): Promise<TwilioLine> {
  const clock = new TestClock(opts.at);
  const log = captureLogger();
  const records = (opts.records ?? pgCallRecords)(opts.db);
  const calls = createCallService({
    records: opts.roundTrips ? opts.roundTrips.records(records) : records,
    live: opts.roundTrips ? opts.roundTrips.live(opts.live) : opts.live,
    logger: log.logger,
    clock: clock.now,
    config: { division: 'england-and-wales', ringSeconds: opts.ringSeconds ?? 25, rounds: opts.rounds ?? 2, deskRingSeconds: opts.deskRingSeconds ?? 60 },
  });
  const settings: TwilioSettings = {
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
    validateSignatures: true,
    asteriskSipUri: ASTERISK_SIP_URI,
    deskNumber: DESK_NUMBER,
    billingNumber: BILLING_NUMBER,
    callerId: LINE_NUMBER,
    voice: 'Polly.Amy',
    prompts: 'say',
    promptsDir: RENDERED_PROMPTS_DIR,
    promptsExtension: 'wav',
    sipTimeoutSeconds: DEFAULT_SIP_TIMEOUT_SECONDS,
    ...opts.settings,
  };
  const asterisk = { healthy: opts.asteriskHealthy ?? false };
  const api = new TwilioRestDouble(ACCOUNT_SID, AUTH_TOKEN);
  const ringFirst = opts.rest ?? ringFirstFromEnv();
  const rest =
    !ringFirst
      ? null
      : createTwilioRest({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, from: LINE_NUMBER, publicBaseUrl: PUBLIC_BASE_URL, voice: settings, logger: log.logger, httpClient: api });
  const app = express();
  app.use(
    '/twilio',
    createTwilioRouter({
      driver: opts.driver ? opts.driver(calls) : calls,
      settings,
      logger: log.logger,
      clock: clock.now,
      isAsteriskHealthy: () => asterisk.healthy,
      rest,
    }),
  );
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const sim = new TwilioSimulator({
    target: url,
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
    lineNumber: LINE_NUMBER,
    accountSid: ACCOUNT_SID,
    startAt: clock.now(),
    onAdvance: (ms) => clock.advance(ms),
    ...(opts.speechWordsPerSecond ? { speechWordsPerSecond: opts.speechWordsPerSecond } : {}),
  });
  api.attach(sim);
  return {
    sim,
    api,
    ringFirst,
    calls,
    clock,
    log,
    settings,
    url,
    asterisk,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await calls.close();
    },
  };
}
