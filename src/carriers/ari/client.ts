// A small ARI client of our own: REST over fetch (rest.ts) and the event WebSocket
// over `ws`, reconnecting for as long as the process runs.
//
// Why not ari-client 2.2.0 (the design card's choice, removed from package.json): it gives up
// reconnecting after about 43 s, and a failure while it loads the API description at
// connect time is thrown from a callback where nothing can catch it, which ends the
// process. This process also answers Twilio's webhooks, so an Asterisk that is down,
// restarting or refusing our credentials must never take it down, and the only way to
// contain a throw inside ari-client's callbacks is a process-wide uncaughtException
// handler. So we replaced it (this file, rest.ts, events.ts): every event typed and
// checked at the edge, every request with a timeout, and no API description fetched at
// run time (the operations we use are fixed in rest.ts; the tests check every request
// against Asterisk's own spec in the simulated Asterisk).
import WebSocket from 'ws';
import type { Logger } from 'pino';
import { parseAriEvent, type AriEvent } from './events.ts';
import { AriRest } from './rest.ts';
import { realTimers, type TimerHandle, type Timers } from './timers.ts';

export type AriState = 'connecting' | 'connected' | 'down' | 'auth-failed' | 'replaced' | 'stopped';

export interface AriStatus {
  state: AriState;
  /** Successful connections after the first one. */
  reconnects: number;
  lastError: string | null;
  /** When the state last changed (ISO). */
  since: string;
  asteriskVersion: string | null;
}

export interface AriClientOptions {
  /** `http://host:8088` or `http://host:8088/ari`. */
  url: string;
  username: string;
  password: string;
  app: string;
  logger: Logger;
  timers?: Timers;
  requestTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
  random?: () => number;
  /** WebSocket ping interval on the real clock (a half-open socket is dropped); null turns it off. */
  keepaliveMs?: number | null;
  /** Asked before every REST request (see AriRestOptions.mayAct). */
  mayAct?: () => boolean;
}

export interface AriHandlers {
  onEvent(event: AriEvent): void;
  /** The event socket is (again) open: the moment to look for calls to resume. */
  onConnected(): void;
  /** The event socket closed (not by stop()): calls may be missing events until it is back. */
  onDisconnected?(): void;
}

const DEFAULT_BACKOFF = { initialMs: 500, maxMs: 30_000 };
/** A connection that lasted this long resets the backoff; a flapping one does not. */
const STABLE_MS = 10_000;

export class AriClient {
  readonly rest: AriRest;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly baseUrl: string;
  private socket: WebSocket | null = null;
  private retry: TimerHandle | null = null;
  private keepalive: ReturnType<typeof setInterval> | null = null;
  private attempt = 0;
  private connectedAt = 0;
  private everConnected = false;
  private handlers: AriHandlers | null = null;
  private current: AriStatus;
  /** A connection attempt is under way (the tests wait for it to settle). */
  connecting = false;
  /** Events received on the socket now open (the tests compare it with what was sent). */
  eventsOnSocket = 0;

  constructor(private readonly options: AriClientOptions) {
    this.timers = options.timers ?? realTimers;
    this.log = options.logger.child({ component: 'ari' });
    this.baseUrl = ariBaseUrl(options.url);
    this.rest = new AriRest({
      baseUrl: this.baseUrl,
      username: options.username,
      password: options.password,
      timeoutMs: options.requestTimeoutMs ?? 5_000,
      ...(options.mayAct ? { mayAct: options.mayAct } : {}),
    });
    this.current = { state: 'stopped', reconnects: 0, lastError: null, since: this.timers.now().toISOString(), asteriskVersion: null };
  }

  status(): AriStatus {
    return { ...this.current };
  }

  start(handlers: AriHandlers): void {
    this.handlers = handlers;
    this.setState('connecting', null);
    this.open();
  }

  async stop(): Promise<void> {
    this.handlers = null;
    if (this.retry) this.timers.clearTimeout(this.retry);
    this.retry = null;
    this.stopKeepalive();
    const socket = this.socket;
    this.socket = null;
    this.setState('stopped', null);
    if (socket && socket.readyState !== WebSocket.CLOSED) {
      await new Promise<void>((resolve) => {
        socket.once('close', () => resolve());
        socket.terminate();
      });
    }
  }

  private open(): void {
    this.retry = null;
    if (!this.handlers) return;
    const url = new URL(`${this.baseUrl.replace(/^http/, 'ws')}/events`);
    url.searchParams.set('app', this.options.app);
    url.searchParams.set('api_key', `${this.options.username}:${this.options.password}`);
    this.connecting = true;
    const socket = new WebSocket(url, { handshakeTimeout: this.options.requestTimeoutMs ?? 5_000 });
    this.socket = socket;
    let failure: { state: 'down' | 'auth-failed'; error: string } | null = null;

    socket.on('unexpected-response', (_req, res) => {
      failure =
        res.statusCode === 401 || res.statusCode === 403
          ? { state: 'auth-failed', error: `Asterisk refused the ARI credentials (HTTP ${res.statusCode})` }
          : { state: 'down', error: `event socket refused: HTTP ${res.statusCode}` };
      socket.terminate();
    });
    socket.on('error', (err) => {
      failure ??= { state: 'down', error: err.message || String(err) };
    });
    socket.on('open', () => {
      if (this.socket !== socket) return;
      this.connecting = false;
      this.eventsOnSocket = 0;
      this.connectedAt = this.timers.now().getTime();
      if (this.everConnected) this.current.reconnects += 1;
      this.everConnected = true;
      this.setState('connected', null);
      this.startKeepalive(socket);
      void this.learnVersion();
      this.safely(() => this.handlers?.onConnected());
    });
    socket.on('message', (data, isBinary) => {
      if (this.socket !== socket || isBinary) return;
      this.eventsOnSocket += 1;
      this.deliver(data.toString());
    });
    socket.on('close', () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.connecting = false;
      this.stopKeepalive();
      if (!this.handlers) return;
      this.safely(() => this.handlers?.onDisconnected?.());
      if (this.current.state === 'replaced') return;
      const lasted = this.connectedAt > 0 ? this.timers.now().getTime() - this.connectedAt : 0;
      this.connectedAt = 0;
      if (lasted >= STABLE_MS) this.attempt = 0;
      const why = failure ?? { state: 'down' as const, error: 'event socket closed' };
      this.setState(why.state, why.error);
      this.scheduleRetry();
    });
  }

  private deliver(text: string): void {
    const parsed = parseAriEvent(text);
    if (!parsed.ok) {
      const level = parsed.reason === 'unknown-type' ? 'debug' : 'warn';
      this.log[level]({ type: parsed.type, reason: parsed.reason, detail: parsed.detail }, 'ARI event ignored');
      return;
    }
    const event = parsed.event;
    if (event.application !== this.options.app) return;
    if (event.type === 'ApplicationReplaced') {
      // Another connection took our application name: fighting over it would lose
      // events on both sides, so this one steps back and says so loudly.
      this.setState('replaced', 'another connection registered the same Stasis application');
      this.socket?.terminate();
      return;
    }
    this.safely(() => this.handlers?.onEvent(event));
  }

  private scheduleRetry(): void {
    const backoff = this.options.backoff ?? DEFAULT_BACKOFF;
    const random = this.options.random ?? Math.random;
    const ceiling = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.min(this.attempt, 20));
    // "Equal jitter": never less than half the ceiling, so a fleet does not reconnect in step.
    const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
    this.attempt += 1;
    this.log.debug({ delayMs: delay, attempt: this.attempt }, 'ARI reconnect scheduled');
    this.retry = this.timers.setTimeout(() => this.open(), delay);
  }

  private setState(state: AriState, error: string | null): void {
    if (error !== null) this.current.lastError = error;
    if (this.current.state === state) return;
    this.current.state = state;
    this.current.since = this.timers.now().toISOString();
    const detail = { state, lastError: error ?? undefined, reconnects: this.current.reconnects };
    if (state === 'connected' || state === 'connecting' || state === 'stopped') this.log.info(detail, `ARI ${state}`);
    else if (state === 'auth-failed' || state === 'replaced') this.log.error(detail, `ARI ${state}`);
    else this.log.warn(detail, `ARI ${state}`);
  }

  private async learnVersion(): Promise<void> {
    try {
      const info = await this.rest.info();
      this.current.asteriskVersion = info.system?.version ?? null;
    } catch (err) {
      this.log.debug({ err }, 'could not read the Asterisk version');
    }
  }

  private startKeepalive(socket: WebSocket): void {
    const every = this.options.keepaliveMs === undefined ? 20_000 : this.options.keepaliveMs;
    if (every === null) return;
    let answered = true;
    socket.on('pong', () => {
      answered = true;
    });
    this.keepalive = setInterval(() => {
      if (!answered) {
        this.log.warn('ARI event socket stopped answering pings: reconnecting');
        socket.terminate();
        return;
      }
      answered = false;
      socket.ping();
    }, every);
    this.keepalive.unref();
  }

  private stopKeepalive(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
  }

  private safely(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err }, 'ARI handler failed');
    }
  }
}

/** `http://host:8088` or `…/ari` or `…/ari/` → `http://host:8088/ari`. */
export function ariBaseUrl(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/ari') ? trimmed : `${trimmed}/ari`;
}
