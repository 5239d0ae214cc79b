// /console/events: Server-Sent Events for the Now page. One subscription per
// instance to the live store's `calls` channel (Redis pub/sub, so a call on any
// instance reaches every console), fanned out to the browsers connected here.
// Supervisors see every call; an engineer only calls they have been rung on.
// A stream lasts only as long as the session it was opened with: it is checked
// against Postgres on every heartbeat, and at once when any instance announces a
// change to that user's sessions (sign-out, password reset, disabled, new role).
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { engineerWasRung } from '../../store/call-log.ts';
import type { Db } from '../../store/db.ts';
import type { LiveStore } from '../../store/live/live-store.ts';
import { sessionStandings, type SessionStanding, type SessionUser } from '../../store/sessions.ts';
import { scopeOf } from '../auth/guards.ts';

export const CALLS_CHANNEL = 'calls';
export const FEED_CHANNEL = 'feed';
/** `{ "type": "session-ended", "userId": … }` once a change to that user's sessions has committed. */
export const SESSIONS_CHANNEL = 'console-sessions';
const HEARTBEAT_MS = 20_000;
const VISIBILITY_CACHE_MS = 10_000;
const VISIBILITY_CACHE_MAX = 10_000;

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

/**
 * Tells every instance's open streams of this user to check their session again. Call
 * it after the change has committed (the streams read Postgres to see what is left).
 * Never throws: without the live store the streams still find out at their next heartbeat.
 */
export async function announceSessionChange(live: LiveStore, userId: string, logger: Logger): Promise<void> {
  try {
    await live.publish(SESSIONS_CHANNEL, JSON.stringify({ type: 'session-ended', userId }));
  } catch (err) {
    logger.warn({ err, userId }, 'session change not announced; open live pages stop at their next heartbeat');
  }
}

export interface EventHubDeps {
  db: Db;
  live: LiveStore;
  logger: Logger;
  isShuttingDown: () => boolean;
  /** The clock sessions expire by. */
  now: () => Date;
  /** How often streams are pinged and their sessions checked (default 20 s). */
  heartbeatMs?: number;
}

export class EventHub {
  private readonly clients = new Set<Client>();
  private unsubscribe: (() => Promise<void>)[] = [];
  private starting: Promise<void> | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private watchdog: NodeJS.Timeout | null = null;
  /** engineerId|callId → the answer, until when, and where the call was when asked. */
  private readonly visible = new Map<string, { ok: boolean; until: number; at: string }>();
  private beating = false;

  constructor(private readonly deps: EventHubDeps) {}

  /** Subscribes to the live store (once); resolves when messages published from now on will arrive. */
  start(): Promise<void> {
    if (this.starting) return this.starting;
    const starting = (async () => {
      this.unsubscribe.push(await this.deps.live.subscribe(CALLS_CHANNEL, (m) => void this.onCall(m)));
      this.unsubscribe.push(await this.deps.live.subscribe(FEED_CHANNEL, (m) => this.onFeed(m)));
      this.unsubscribe.push(await this.deps.live.subscribe(SESSIONS_CHANNEL, (m) => void this.onSessionChange(m)));
      this.heartbeat = setInterval(() => void this.beat(), this.deps.heartbeatMs ?? HEARTBEAT_MS);
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
        if (await this.maySee(client.auth, message)) this.send(client, frame);
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
    for (const client of this.clients) if (scopeOf(client.auth).all) this.send(client, frame);
  }

  private async onSessionChange(text: string): Promise<void> {
    let userId: unknown;
    try {
      userId = (JSON.parse(text) as { userId?: unknown }).userId;
    } catch {
      return;
    }
    if (typeof userId !== 'string') return;
    await this.recheck([...this.clients].filter((c) => c.auth.user.id === userId));
  }

  /** Every heartbeat: streams whose session has gone are ended, the rest pinged. */
  private async beat(): Promise<void> {
    if (this.beating) return;
    this.beating = true;
    try {
      await this.recheck([...this.clients]);
      this.broadcast(': ping\n\n');
    } finally {
      this.beating = false;
    }
  }

  /**
   * Ends each stream whose session has ended or expired, whose user was disabled, or
   * whose user now has another role or engineer link (what they may see has changed).
   * One query for them all.
   */
  private async recheck(clients: Client[]): Promise<void> {
    if (clients.length === 0) return;
    let standing: Map<string, SessionStanding>;
    try {
      standing = await sessionStandings(this.deps.db, clients.map((c) => c.auth.sessionId), this.deps.now());
    } catch (err) {
      // Postgres away: the streams stay (cutting every page's feed in an outage helps
      // nobody) and are checked again at the next heartbeat.
      this.deps.logger.warn({ err }, 'console streams not checked against their sessions');
      return;
    }
    for (const client of clients) {
      const now = standing.get(client.auth.sessionId);
      const user = client.auth.user;
      if (now && now.role === user.role && now.engineerId === user.engineerId && !now.mustChangePassword) continue;
      this.end(client, 'event: session-ended\ndata: {}\n\n');
    }
  }

  /** Writes to a stream still open (one ended meanwhile is skipped, never written after its end). */
  private send(client: Client, frame: string): void {
    if (this.clients.has(client) && !client.res.writableEnded) client.res.write(frame);
  }

  private end(client: Client, frame?: string): void {
    if (frame) this.send(client, frame);
    this.clients.delete(client);
    if (!client.res.writableEnded) client.res.end();
  }

  /**
   * An engineer sees a call once they have been rung on it: asked of Postgres, and the
   * answer kept 10 s either way, so the many updates of one call cost one query per
   * engineer. Once rung, always rung: a yes stands. A no stands only while the call is
   * where it was when asked (same phase and route) and not ringing: the step that
   * rings an engineer leaves the call ringing or somewhere new, so its update asks again.
   */
  private async maySee(auth: SessionUser, message: CallMessage): Promise<boolean> {
    const scope = scopeOf(auth);
    if (scope.all) return true;
    if (!scope.engineerId) return false;
    const key = `${scope.engineerId}|${message.callId}`;
    const at = `${message.phase}|${message.route ?? ''}`;
    const now = Date.now();
    const cached = this.visible.get(key);
    if (cached && cached.until > now && (cached.ok || (cached.at === at && message.phase !== 'ringing'))) return cached.ok;
    const ok = await engineerWasRung(this.deps.db, message.callId, scope.engineerId);
    // Updates are handled concurrently: a slower, older no never replaces a yes.
    const latest = this.visible.get(key);
    if (!ok && latest?.ok && latest.until > now) return true;
    this.visible.set(key, { ok, until: now + VISIBILITY_CACHE_MS, at });
    if (this.visible.size > VISIBILITY_CACHE_MAX) this.forgetExpired(now);
    return ok;
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.visible) if (entry.until <= now) this.visible.delete(key);
    if (this.visible.size > VISIBILITY_CACHE_MAX) this.visible.clear();
  }

  private broadcast(frame: string): void {
    for (const client of this.clients) this.send(client, frame);
  }

  private closeAll(): void {
    for (const client of [...this.clients]) this.end(client);
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
