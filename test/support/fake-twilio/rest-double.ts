// Twilio's REST API in process, for the twilio client's `httpClient` option: it
// checks what api.twilio.com checks (credentials, the account in the path, the
// required fields, number format, TwiML size and validity) and records what was asked.
import type { TwilioHttpClient, TwilioHttpRequest, TwilioHttpResponse } from '../../../src/carriers/twilio/rest.ts';
import { newSid, type TwilioSimulator } from './simulator.ts';
import { parseTwiml } from './twiml.ts';

export interface CreatedCall {
  sid: string;
  to: string;
  from: string;
  twiml: string | null;
  url: string | null;
  statusCallback: string | null;
  statusCallbackEvent: string[];
  timeout: number | null;
}

export interface SentMessage {
  sid: string;
  to: string;
  from: string;
  body: string;
}

const E164 = /^\+[1-9][0-9]{6,14}$/;
const CALL_FIELDS = new Set(['To', 'From', 'Url', 'Twiml', 'Method', 'StatusCallback', 'StatusCallbackEvent', 'StatusCallbackMethod', 'Timeout', 'MachineDetection', 'Record', 'TimeLimit', 'CallerId', 'FallbackUrl', 'FallbackMethod', 'SendDigits']);
const UPDATE_FIELDS = new Set(['Status', 'Url', 'Method', 'Twiml', 'FallbackUrl', 'FallbackMethod', 'StatusCallback', 'StatusCallbackMethod', 'TimeLimit']);
const MESSAGE_FIELDS = new Set(['To', 'From', 'Body', 'MessagingServiceSid', 'StatusCallback', 'MediaUrl']);

export class TwilioRestDouble implements TwilioHttpClient {
  readonly calls: CreatedCall[] = [];
  readonly messages: SentMessage[] = [];
  readonly requests: TwilioHttpRequest[] = [];
  /** Calls ended or redirected through `calls(sid).update`, in order. */
  readonly updates: Array<{ sid: string; status: string | null; url: string | null }> = [];
  private failures: Array<{ status: number; code: number; message: string }> = [];
  private updateFailures: Array<{ status: number; code: number; message: string }> = [];
  private sim: TwilioSimulator | null = null;

  constructor(
    readonly accountSid: string,
    private readonly authToken: string,
  ) {}

  /** The next request fails as Twilio would (e.g. 503, or 429 with code 20429). */
  failNext(status: number, code: number, message: string): this {
    this.failures.push({ status, code, message });
    return this;
  }

  /** The next `calls(sid).update` (a redirect or a cancel) fails as Twilio would; other requests go through. */
  failNextUpdate(status: number, code: number, message: string): this {
    this.updateFailures.push({ status, code, message });
    return this;
  }

  /** Calls created with a `url` ring the simulator's phones and run against the app. */
  attach(sim: TwilioSimulator): this {
    this.sim = sim;
    return this;
  }

  async request(opts: TwilioHttpRequest): Promise<TwilioHttpResponse> {
    this.requests.push(opts);
    if (opts.username !== this.accountSid || opts.password !== this.authToken) return error(401, 20003, 'Authenticate');
    const failure = this.failures.shift();
    if (failure) return error(failure.status, failure.code, failure.message);
    const uri = new URL(opts.uri);
    if (uri.hostname !== 'api.twilio.com') return error(404, 20404, `no such host ${uri.hostname}`);
    const m = /^\/2010-04-01\/Accounts\/(AC[0-9a-f]{32})\/(Calls|Messages)(?:\/(CA[0-9a-f]{32}))?\.json$/.exec(uri.pathname);
    if (!m || opts.method.toLowerCase() !== 'post' || (m[3] && m[2] !== 'Calls')) return error(404, 20404, 'The requested resource was not found');
    if (m[1] !== this.accountSid) return error(403, 20003, 'account in the path is not the authenticated one');
    const data = Object.fromEntries(Object.entries(opts.data ?? {}).filter(([, v]) => v !== undefined));
    if (m[3]) {
      const refused = this.updateFailures.shift();
      if (refused) return error(refused.status, refused.code, refused.message);
      return this.updateCall(m[3], data);
    }
    return m[2] === 'Calls' ? this.createCall(data) : this.sendMessage(data);
  }

  private updateCall(sid: string, data: Record<string, unknown>): TwilioHttpResponse {
    const unknown = Object.keys(data).filter((k) => !UPDATE_FIELDS.has(k));
    if (unknown.length > 0) return error(400, 20001, `unknown parameters ${unknown.join(', ')}`);
    const status = str(data['Status']);
    const url = str(data['Url']);
    if (status && status !== 'canceled' && status !== 'completed') return error(400, 21218, `Status ${status} is not canceled or completed`);
    if (!status && !url) return error(400, 20001, 'nothing to update: give Status or Url');
    this.updates.push({ sid, status: status ?? null, url: url ?? null });
    const found = this.sim ? this.sim.update(sid, { ...(status ? { status: status as 'canceled' | 'completed' } : {}), ...(url ? { url } : {}) }) : true;
    if (!found) return error(404, 20404, `The requested resource /Calls/${sid}.json was not found`);
    return ok({ sid, account_sid: this.accountSid, status: status ?? 'in-progress' });
  }

  private createCall(data: Record<string, unknown>): TwilioHttpResponse {
    const unknown = Object.keys(data).filter((k) => !CALL_FIELDS.has(k));
    if (unknown.length > 0) return error(400, 20001, `unknown parameters ${unknown.join(', ')}`);
    const to = str(data['To']);
    const from = str(data['From']);
    if (!to) return error(400, 21201, "No 'To' number is specified");
    if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from) return error(400, 21213, "No 'From' number is specified");
    if (!E164.test(from)) return error(400, 21212, 'Invalid From Phone Number');
    const twiml = str(data['Twiml']);
    const url = str(data['Url']);
    if (!twiml && !url) return error(400, 21205, 'Url parameter is required.');
    if (twiml) {
      if (twiml.length > 4000) return error(400, 21238, 'Twiml is too long (4000 characters at most)');
      try {
        parseTwiml(twiml);
      } catch (err) {
        return error(400, 21238, (err as Error).message);
      }
    }
    const events = data['StatusCallbackEvent'];
    const call: CreatedCall = {
      sid: newSid('CA'),
      to,
      from,
      twiml: twiml ?? null,
      url: url ?? null,
      statusCallback: str(data['StatusCallback']) ?? null,
      statusCallbackEvent: Array.isArray(events) ? events.map(String) : events ? [String(events)] : [],
      timeout: data['Timeout'] === undefined ? null : Number(data['Timeout']),
    };
    this.calls.push(call);
    if (this.sim && call.url) {
      this.sim.originate({ sid: call.sid, to, from, url: call.url, statusCallback: call.statusCallback, statusCallbackEvent: call.statusCallbackEvent, timeout: call.timeout });
    }
    return ok({ sid: call.sid, account_sid: this.accountSid, to, from, status: 'queued', direction: 'outbound-api', api_version: '2010-04-01' });
  }

  private sendMessage(data: Record<string, unknown>): TwilioHttpResponse {
    const unknown = Object.keys(data).filter((k) => !MESSAGE_FIELDS.has(k));
    if (unknown.length > 0) return error(400, 20001, `unknown parameters ${unknown.join(', ')}`);
    const to = str(data['To']);
    const from = str(data['From']);
    const body = str(data['Body']);
    if (!to) return error(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return error(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (!from && !data['MessagingServiceSid']) return error(400, 21603, "A 'From' phone number is required.");
    if (!body) return error(400, 21602, 'Message body is required.');
    if (body.length > 1600) return error(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    const message: SentMessage = { sid: newSid('SM'), to, from: from ?? '', body };
    this.messages.push(message);
    return ok({ sid: message.sid, account_sid: this.accountSid, to, from, body, status: 'queued', num_segments: String(Math.ceil(body.length / 153)) });
  }
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function ok(body: Record<string, unknown>): TwilioHttpResponse {
  return { statusCode: 201, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

function error(status: number, code: number, message: string): TwilioHttpResponse {
  return {
    statusCode: status,
    body: JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    headers: { 'content-type': 'application/json' },
  };
}
