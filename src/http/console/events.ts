// /console/events: Server-Sent Events for the Now page. One subscription per
// instance to the live store's `calls` channel (Redis pub/sub, so a call on any
// instance reaches every console), fanned out to the browsers connected here.
// Supervisors see every call; an engineer only calls they have been rung on.
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { engineerWasRung } from '../../store/call-log.ts';
import type { Db } from '../../store/db.ts';
import type { LiveStore } from '../../store/live/live-store.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { scopeOf } from '../auth/guards.ts';

export const CALLS_CHANNEL = 'calls';
export const FEED_CHANNEL = 'feed';
const HEARTBEAT_MS = 20_000;
const VISIBILITY_CACHE_MS = 10_000;

interface Client {
  res: Response;
  auth: SessionUser;
}

/** The call message the call service publishes (src/calls/call-service.ts). */
export interface CallMessage {
  type: 'call-started' | 'call-updated' | 'call-ended';
  callId: string;
  carrier: string;
  from: string;
  phase: string;
  account: { number: string; name: string; tier: string } | null;
  route: string | null;
  ticket: string | null;
  at: string;
}

export function parseCallMessage(text: string): CallMessage | null {
  try {
    const m = JSON.parse(text) as Partial<CallMessage>;
    if (typeof m.callId !== 'string' || !['call-started', 'call-updated', 'call-ended'].includes(String(m.type))) return null;
    return {
      type: m.type as CallMessage['type'],
      callId: m.callId,
      carrier: String(m.carrier ?? ''),
      from: String(m.from ?? ''),
      phase: String(m.phase ?? ''),
      account: m.account && typeof m.account === 'object' ? { number: String(m.account.number), name: String(m.account.name), tier: String(m.account.tier) } : null,
      route: typeof m.route === 'string' ? m.route : null,
      ticket: typeof m.ticket === 'string' ? m.ticket : null,
      at: String(m.at ?? ''),
    };
  } catch {
    return null;
  }
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => Promise<void>)[] = [];
  private starting: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  private readonly visible = new Map<string, { ok: boolean; until: number }>();

  constructor(
    private readonly deps: { db: Db; live: LiveStore; logger: Logger; isShuttingDown: () => boolean },
  ) {}

  /** Subscribes to the live store (once); resolves when messages published from now on will arrive. */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    const starting = (async () => {
      this.unsubscribe.push(await this.deps.live.subscribe(CALLS_CHANNEL, (m) => void this.onCall(m)));
      this.unsubscribe.push(await this.deps.live.subscribe(FEED_CHANNEL, (m) => this.onFeed(m)));
      this.heartbeat = setInterval(() => this.broadcast(': ping\n\n'), HEARTBEAT_MS);
      this.heartbeat.unref();
      // The server waits for open connections before the line stops its components:
      // end the streams as soon as the line starts shutting down.
      this.watchdog = setInterval(() => {
        if (this.deps.isShuttingDown()) this.closeAll();
      }, 250);
      this.watchdog.unref();
    })();
    // A failed subscribe (Redis away at start-up) is tried again by the next browser.
    this.starting = starting.catch(async (err: unknown) => {
      this.starting = null;
      const subs = this.unsubscribe;
      this.unsubscribe = [];
      await Promise.allSettled(subs.map((u) => u()));
      throw err;
    });
    return this.starting;
  }

  async connect(req: Request, res: Response, auth: SessionUser): Promise<void> {
    await this.start();
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-store');
    // The stream is the connection's only use: closed with it, so a stopping server
    // is not left waiting out a keep-alive timeout on an ended stream.
    res.setHeader('Connection', 'close');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write('retry: 5000\n: connected\n\n');
    const client: Client = { res, auth };
    this.clients.add(client);
    req.on('close', () => this.clients.delete(client));
  }

  get size(): number {
    return this.clients.size;
  }

  private async onCall(text: string): Promise<void> {
    const message = parseCallMessage(text);
    if (!message) return;
    const frame = `event: call\ndata: ${JSON.stringify(message)}\n\n`;
    for (const client of [...this.clients]) {
      try {
        if (await this.maySee(client.auth, message.callId)) client.res.write(frame);
      } catch (err) {
        this.deps.logger.warn({ err }, 'console event not delivered');
      }
    }
  }

  private onFeed(text: string): void {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return;
    }
    const frame = `event: feed\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of this.clients) if (scopeOf(client.auth).all) client.res.write(frame);
  }

  /** An engineer sees a call once they have been rung on it (checked in Postgres, briefly cached). */
  private async maySee(auth: SessionUser, callId: string): Promise<boolean> {
    const scope = scopeOf(auth);
    if (scope.all) return true;
    if (!scope.engineerId) return false;
    const key = `${scope.engineerId}|${callId}`;
    const now = Date.now();
    const cached = this.visible.get(key);
    if (cached && cached.until > now && cached.ok) return true;
    const ok = await engineerWasRung(this.deps.db, callId, scope.engineerId);
    this.visible.set(key, { ok, until: now + VISIBILITY_CACHE_MS });
    if (this.visible.size > 10_000) this.visible.clear();
    return ok;
  }

  private broadcast(frame: string): void {
    for (const client of this.clients) client.res.write(frame);
  }

  private closeAll(): void {
    for (const client of this.clients) client.res.end();
    this.clients.clear();
  }

  async stop(): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.watchdog) clearInterval(this.watchdog);
    this.closeAll();
    const subs = this.unsubscribe;
    this.unsubscribe = [];
    await Promise.allSettled(subs.map((u) => u()));
  }
}
