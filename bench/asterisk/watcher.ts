// The benchmark's own ARI application on the real Asterisk: it originates the scripted
// callers (their Local channels' first halves join this application), sends their keys,
// and sees every channel's events (subscribeAll), the line's included, with Asterisk's
// own timestamps. Events are kept raw: ChannelDialplan and the like are not in the
// line's parser, and the benchmark must not depend on what the line understands.
import WebSocket from 'ws';

export interface RawEvent {
  type: string;
  /** Asterisk's timestamp, ms since the epoch. */
  at: number;
  channel?: { id: string; name: string; state: string; dialplan?: { context: string; exten: string; app_name?: string; app_data?: string } };
  playback?: { id: string; media_uri: string; target_uri: string; state: string };
  digit?: string;
  dialplan_app?: string;
  dialplan_app_data?: string;
  [key: string]: unknown;
}

/** Asterisk's event timestamp ("2026-12-05T10:24:08.355+0000") as ms since the epoch. */
export function eventTime(timestamp: unknown): number {
  if (typeof timestamp !== 'string') return Number.NaN;
  return Date.parse(timestamp.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
}

export class AriWatcher {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<(e: RawEvent) => void>();
  private readonly auth: string;
  /** Requests in flight at most: Asterisk's HTTP server counts each as a session. */
  private inFlight = 0;
  private readonly queue: (() => void)[] = [];

  constructor(
    private readonly url: string,
    private readonly username: string,
    private readonly password: string,
    readonly app: string,
    private readonly maxInFlight = 8,
  ) {
    this.auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }

  async connect(): Promise<void> {
    const ws = new WebSocket(
      `${this.url.replace(/^http/, 'ws')}/ari/events?app=${encodeURIComponent(this.app)}&subscribeAll=true&api_key=${encodeURIComponent(`${this.username}:${this.password}`)}`,
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('message', (data: Buffer) => {
      const event = JSON.parse(data.toString('utf8')) as RawEvent;
      event.at = eventTime(event['timestamp']);
      for (const l of this.listeners) l(event);
    });
    this.socket = ws;
  }

  on(listener: (e: RawEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async request(method: string, path: string, query: Record<string, string> = {}, timeoutMs = 10_000): Promise<unknown> {
    if (this.inFlight >= this.maxInFlight) await new Promise<void>((r) => this.queue.push(r));
    this.inFlight += 1;
    try {
      const qs = new URLSearchParams(query).toString();
      const res = await fetch(`${this.url}/ari${path}${qs ? `?${qs}` : ''}`, { method, headers: { authorization: this.auth }, signal: AbortSignal.timeout(timeoutMs) });
      const text = await res.text();
      if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
      return text ? JSON.parse(text) : null;
    } finally {
      this.inFlight -= 1;
      this.queue.shift()?.();
    }
  }

  /** A scripted caller: Local/<exten>@<context>, its first half in this application. */
  async originate(id: string, exten: string, context: string, variables: Record<string, string> = {}): Promise<void> {
    // formats=slin: a caller at 8 kHz, as a trunk's G.711 call is. Without it ARI gives the
    // Local channel every audio format and Asterisk picks slin192, resampling every 8 kHz
    // prompt to 192 kHz (perf: 76 % of the machine's CPU in codec_resample at 100 callers).
    const query: Record<string, string> = { endpoint: `Local/${exten}@${context}`, app: this.app, channelId: id, otherChannelId: `${id}-in`, timeout: '60', formats: 'slin' };
    const body = Object.keys(variables).length > 0 ? { variables } : null;
    if (!body) {
      await this.request('POST', '/channels', query, 30_000);
      return;
    }
    const qs = new URLSearchParams(query).toString();
    const res = await fetch(`${this.url}/ari/channels?${qs}`, {
      signal: AbortSignal.timeout(30_000),
      method: 'POST',
      headers: { authorization: this.auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`originate ${exten}@${context}: ${res.status} ${await res.text()}`);
  }

  async dtmf(channelId: string, keys: string): Promise<void> {
    await this.request('POST', `/channels/${encodeURIComponent(channelId)}/dtmf`, { dtmf: keys, between: '80', duration: '80' });
  }

  async hangup(channelId: string): Promise<void> {
    await this.request('DELETE', `/channels/${encodeURIComponent(channelId)}`).catch(() => undefined);
  }

  close(): void {
    this.socket?.close();
    this.socket = null;
  }
}
