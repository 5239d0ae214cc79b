// ARI's REST half over node:http: every request has a timeout and Basic auth, and every
// failure becomes an AriHttpError (status 0 when Asterisk could not be reached).
//
// Not fetch: each prompt costs the line two requests, and with 1,000 calls fetch
// (undici, its WHATWG streams, an AbortSignal and its timer per request) was a fifth
// of the line's CPU in the bench profile. node:http on a keep-alive agent does the
// same requests for a fraction of it.
import http from 'node:http';
import https from 'node:https';
import type { AsteriskInfo, Bridge, Channel, LiveRecording, Playback, Sound } from './models.ts';

export class AriHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly operation: string,
  ) {
    super(message);
    this.name = 'AriHttpError';
  }
}

/** Asterisk's own words for a failed request, e.g. "Channel not found". */
export const isNotFound = (err: unknown): boolean => err instanceof AriHttpError && err.status === 404;

type Query = Record<string, string | number | boolean | undefined>;

export interface AriRestOptions {
  /** `http://host:port/ari`, no trailing slash. */
  baseUrl: string;
  username: string;
  password: string;
  timeoutMs: number;
  /**
   * Asked before every request: false while this instance does not hold the Stasis
   * application (a standby, or a holder whose lease may have lapsed), so a step under
   * way when the application passes to another instance never reaches Asterisk.
   */
  mayAct?: () => boolean;
}

export type HangupReason = 'normal' | 'busy' | 'congestion' | 'no_answer' | 'timeout' | 'rejected' | 'failure';

export interface OriginateRequest {
  endpoint: string;
  app: string;
  appArgs: string;
  callerId: string;
  timeoutSeconds: number;
  channelId: string;
}

export interface RecordRequest {
  name: string;
  format: string;
  maxDurationSeconds: number;
  maxSilenceSeconds: number;
  beep: boolean;
  terminateOn: 'none' | 'any' | '*' | '#';
  ifExists: 'fail' | 'overwrite' | 'append';
}

/**
 * An idle kept-alive connection is closed after this long unless the server's
 * Keep-Alive header says sooner (as undici did): reusing one the server is closing
 * would fail the request.
 */
const IDLE_SOCKET_MS = 4_000;

export class AriRest {
  private readonly auth: string;
  private readonly agent: http.Agent;
  private readonly send: typeof http.request;
  /** Requests started and not yet answered (the tests wait for this to reach 0). */
  inFlight = 0;

  constructor(private readonly options: AriRestOptions) {
    this.auth = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString('base64')}`;
    const secure = options.baseUrl.startsWith('https:');
    this.agent = secure ? new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }) : new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });
    this.send = secure ? https.request : http.request;
  }

  info = () => this.call<AsteriskInfo>('asterisk.getInfo', 'GET', '/asterisk/info');
  ping = () => this.call<{ ping: string }>('asterisk.ping', 'GET', '/asterisk/ping');
  listChannels = () => this.call<Channel[]>('channels.list', 'GET', '/channels');
  getChannel = (id: string) => this.call<Channel>('channels.get', 'GET', `/channels/${enc(id)}`);
  answer = (id: string) => this.call<void>('channels.answer', 'POST', `/channels/${enc(id)}/answer`);

  hangup = (id: string, reason: HangupReason = 'normal') =>
    this.call<void>('channels.hangup', 'DELETE', `/channels/${enc(id)}`, { reason });

  /** Plays the media in order as one playback; `playbackId` is ours so events can come first. */
  play = (channelId: string, playbackId: string, media: readonly string[]) =>
    this.call<Playback>('channels.play', 'POST', `/channels/${enc(channelId)}/play`, {
      media: media.join(','),
      playbackId,
    });

  getVariable = (channelId: string, variable: string) =>
    this.call<{ value: string }>('channels.getChannelVar', 'GET', `/channels/${enc(channelId)}/variable`, { variable });
  setVariable = (channelId: string, variable: string, value: string) =>
    this.call<void>('channels.setChannelVar', 'POST', `/channels/${enc(channelId)}/variable`, { variable, value });

  /** Every sound Asterisk has in this language (it rescans its sounds folder for each request). */
  listSounds = (lang: string) => this.call<Sound[]>('sounds.list', 'GET', '/sounds', { lang });

  getPlayback = (id: string) => this.call<Playback>('playbacks.get', 'GET', `/playbacks/${enc(id)}`);
  stopPlayback = (id: string) => this.call<void>('playbacks.stop', 'DELETE', `/playbacks/${enc(id)}`);

  startMoh = (channelId: string) => this.call<void>('channels.startMoh', 'POST', `/channels/${enc(channelId)}/moh`);
  stopMoh = (channelId: string) => this.call<void>('channels.stopMoh', 'DELETE', `/channels/${enc(channelId)}/moh`);

  originate = (r: OriginateRequest) =>
    this.call<Channel>('channels.originate', 'POST', '/channels', {
      endpoint: r.endpoint,
      app: r.app,
      appArgs: r.appArgs,
      callerId: r.callerId,
      timeout: r.timeoutSeconds,
      channelId: r.channelId,
    });

  createBridge = (bridgeId: string) =>
    this.call<Bridge>('bridges.create', 'POST', '/bridges', { type: 'mixing', bridgeId });
  addToBridge = (bridgeId: string, channelIds: readonly string[]) =>
    this.call<void>('bridges.addChannel', 'POST', `/bridges/${enc(bridgeId)}/addChannel`, { channel: channelIds.join(',') });
  destroyBridge = (bridgeId: string) => this.call<void>('bridges.destroy', 'DELETE', `/bridges/${enc(bridgeId)}`);

  record = (channelId: string, r: RecordRequest) =>
    this.call<LiveRecording>('channels.record', 'POST', `/channels/${enc(channelId)}/record`, { ...r });
  getLiveRecording = (name: string) =>
    this.call<LiveRecording>('recordings.getLive', 'GET', `/recordings/live/${enc(name)}`);
  stopRecording = (name: string) => this.call<void>('recordings.stop', 'POST', `/recordings/live/${enc(name)}/stop`);
  listStoredRecordings = () => this.call<{ name: string; format: string }[]>('recordings.listStored', 'GET', '/recordings/stored');
  getStoredRecording = (name: string) =>
    this.call<{ name: string; format: string }>('recordings.getStored', 'GET', `/recordings/stored/${enc(name)}`);
  deleteStoredRecording = (name: string) => this.call<void>('recordings.deleteStored', 'DELETE', `/recordings/stored/${enc(name)}`);

  private async call<T>(operation: string, method: string, path: string, query: Query = {}): Promise<T> {
    if (this.options.mayAct && !this.options.mayAct()) {
      throw new AriHttpError(0, `this instance does not hold the application (${operation} not sent)`, operation);
    }
    const url = `${this.options.baseUrl}${path}${queryString(query)}`;
    this.inFlight += 1;
    try {
      const { status, text } = await this.request(method, url, operation);
      if (status < 200 || status > 299) throw new AriHttpError(status, errorMessage(text, status), operation);
      return (text.length > 0 ? JSON.parse(text) : undefined) as T;
    } finally {
      this.inFlight -= 1;
    }
  }

  /** The status and body; an AriHttpError with status 0 when Asterisk did not answer in time or at all. */
  private request(method: string, url: string, operation: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const fail = (why: 'timed out' | 'unreachable'): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(new AriHttpError(0, `Asterisk ${why} (${operation})`, operation));
      };
      const req = this.send(url, { method, agent: this.agent, headers: { Authorization: this.auth, Accept: 'application/json' } });
      // The whole exchange, body included; destroying the request closes its connection.
      const timer = setTimeout(() => {
        fail('timed out');
        req.destroy();
      }, this.options.timeoutMs);
      req.on('error', () => fail('unreachable'));
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', () => fail('unreachable'));
        // Cut off before the end of the body.
        res.on('close', () => {
          if (!res.complete) fail('unreachable');
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text });
        });
      });
      req.end();
    });
  }
}

const enc = encodeURIComponent;

function queryString(query: Query): string {
  const parts = Object.entries(query)
    .filter((e): e is [string, string | number | boolean] => e[1] !== undefined)
    .map(([k, v]) => `${enc(k)}=${enc(String(v))}`);
  return parts.length > 0 ? `?${parts.join('&')}` : '';
}

/** Asterisk answers errors as `{"message": "..."}`. */
function errorMessage(text: string, status: number): string {
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') {
      return body.message;
    }
  } catch {
    // not JSON: fall through
  }
  return `HTTP ${status}`;
}
