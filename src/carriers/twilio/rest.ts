// Outbound through Twilio's REST API: calls that are not a <Dial> leg of a live
// call (ringing the on-call engineer about a voicemail) and SMS. The HTTP client is
// replaceable so tests answer in process instead of api.twilio.com.
import twilio from 'twilio';
import type { Logger } from 'pino';
import { prompt, type Utterance } from '../../domain/prompts.ts';
import { createLinks } from './links.ts';
import { speak, type VoiceSettings } from './twiml.ts';

/** What the twilio package asks of its HTTP client (its RequestClient's `request`). */
export interface TwilioHttpRequest {
  method: string;
  uri: string;
  username?: string;
  password?: string;
  headers?: Record<string, string>;
  data?: Record<string, unknown>;
  params?: Record<string, unknown>;
  timeout?: number;
}
export interface TwilioHttpResponse {
  statusCode: number;
  body: unknown;
  headers: Record<string, unknown>;
}
export interface TwilioHttpClient {
  request(opts: TwilioHttpRequest): Promise<TwilioHttpResponse>;
}

export interface TwilioRestOptions {
  accountSid: string;
  authToken: string;
  /** The line's Twilio number: caller ID for calls, sender for SMS. */
  from: string;
  publicBaseUrl: string;
  voice: VoiceSettings;
  logger: Logger;
  /** Replaces the package's axios client (tests). */
  httpClient?: TwilioHttpClient;
  /** Seconds an outbound call rings before Twilio gives up. */
  ringSeconds?: number;
  /**
   * Waits before asking again when Twilio refuses a change to a live call for a moment
   * (429, 5xx, no answer): a caller left in the queue hears hold music for nobody.
   */
  retryDelaysMs?: readonly number[];
}

const RETRY_DELAYS_MS = [250, 1000] as const;

/** Twilio's 429 and 5xx, and a request that got no answer, may succeed if asked again; a 4xx never will. */
function worthRetrying(err: unknown): boolean {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  return typeof status !== 'number' || status === 429 || status >= 500;
}

export interface VoicemailCall {
  /** The engineer's E.164 number. */
  to: string;
  callId: string;
  engineerId: string;
  /** What the engineer hears: who left the message and the ticket. */
  message: Utterance;
  /** The recording to play them, if Twilio holds it. */
  recordingUrl?: string | null;
}

/** An on-call engineer rung for a live call: their answer runs the screening URL. */
export interface EngineerRing {
  to: string;
  from: string;
  url: string;
  statusCallback: string;
  timeoutSeconds: number;
}

export interface TwilioRest {
  ringEngineer(ring: EngineerRing): Promise<{ sid: string }>;
  /** Ends a call: `canceled` stops one still ringing (an answered one carries on). */
  endCall(sid: string, status: 'canceled' | 'completed'): Promise<void>;
  /** Moves a live call to a new TwiML document. */
  redirectCall(sid: string, url: string): Promise<void>;
  callEngineerAboutVoicemail(call: VoicemailCall): Promise<{ sid: string; status: string }>;
  sendSms(to: string, body: string): Promise<{ sid: string; status: string }>;
}

/** Twilio's own limit for an SMS body (it splits into segments below this). */
export const SMS_MAX_CHARS = 1600;

export function createTwilioRest(options: TwilioRestOptions): TwilioRest {
  const client = twilio(options.accountSid, options.authToken, {
    // A structural double is enough: the package only ever calls `request`.
    ...(options.httpClient ? { httpClient: options.httpClient as unknown as twilio.RequestClient } : {}),
    autoRetry: false,
  });
  const links = createLinks(options.publicBaseUrl);
  const log = options.logger.child({ carrier: 'twilio', api: 'rest' });
  const delays = options.retryDelaysMs ?? RETRY_DELAYS_MS;

  // Only for updates of a call, which Twilio applies once however often asked. Never
  // for calls.create: a 5xx after Twilio made the call would ring the engineer twice.
  async function retried(what: string, sid: string, work: () => Promise<unknown>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await work();
        return;
      } catch (err) {
        const delay = delays[attempt];
        if (delay === undefined || !worthRetrying(err)) throw err;
        log.warn({ err, sid, attempt: attempt + 1 }, `Twilio refused to ${what} for now: asking again`);
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  return {
    async callEngineerAboutVoicemail(call) {
      const r = new twilio.twiml.VoiceResponse();
      speak(r, call.message, options.voice, links);
      if (call.recordingUrl) r.play({}, call.recordingUrl);
      speak(r, [prompt('goodbye')], options.voice, links);
      r.hangup();
      const created = await client.calls.create({
        to: call.to,
        from: options.from,
        twiml: r.toString(),
        timeout: options.ringSeconds ?? 30,
        statusCallback: links.legStatus(call.callId, 0, 'engineer', call.engineerId),
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      log.info({ callId: call.callId, engineerId: call.engineerId, sid: created.sid }, 'called the engineer about a voicemail');
      return { sid: created.sid, status: String(created.status) };
    },

    async ringEngineer(ring) {
      const created = await client.calls.create({
        to: ring.to,
        from: ring.from,
        url: ring.url,
        timeout: ring.timeoutSeconds,
        statusCallback: ring.statusCallback,
        statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      return { sid: created.sid };
    },

    endCall(sid, status) {
      return retried(status === 'canceled' ? 'cancel a call' : 'end a call', sid, () => client.calls(sid).update({ status }));
    },

    redirectCall(sid, url) {
      return retried('redirect a call', sid, () => client.calls(sid).update({ url, method: 'POST' }));
    },

    async sendSms(to, body) {
      if (body.length > SMS_MAX_CHARS) throw new RangeError(`SMS body is ${body.length} characters; Twilio allows ${SMS_MAX_CHARS}`);
      const sent = await client.messages.create({ to, from: options.from, body });
      log.info({ sid: sent.sid, to: maskNumber(to) }, 'SMS sent');
      return { sid: sent.sid, status: String(sent.status) };
    },
  };
}

/** Logs keep the end of a number only: enough to tell engineers apart. */
function maskNumber(e164: string): string {
  return e164.length > 4 ? `…${e164.slice(-4)}` : '…';
}
