// The simulated Asterisk: ARI over HTTP and a WebSocket on 127.0.0.1, strict about
// every request (anything real Asterisk would reject is recorded as a violation and
// the test harness fails on it), driven by virtual time and scripted people.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer, WebSocket } from 'ws';
import catalogue from '../../../prompts/catalogue.json' with { type: 'json' };
import { VirtualClock } from './clock.ts';
import { HANDLERS, type Reply, type SimContext } from './handlers.ts';
import { Caller, PartyScript } from './parties.ts';
import { checkModel, checkParams, loadSpec, matchOperation, type ApiSpec, type OperationSpec } from './spec.ts';
import { World, asteriskTime, type SimChannel } from './world.ts';

export interface Violation {
  /** `request`: the line asked for something wrong; `sim`: the simulator broke its own rules. */
  kind: 'request' | 'sim';
  message: string;
  request?: string;
}

export interface FakeAsteriskOptions {
  clock?: VirtualClock;
  username?: string;
  password?: string;
  /** The Stasis application calls are handed to. */
  app?: string;
  /** Where the line's prompts live under Asterisk's sounds folder. */
  soundsFolder?: string;
  /** Spec folder (defaults to ../shared/ari beside the project, else the project's subset). */
  spec?: ApiSpec;
  /** Milliseconds of virtual time per spoken word of a prompt. */
  msPerWord?: number;
}

interface EventSocket {
  ws: WebSocket;
  apps: string[];
  sent: number;
}

const REALM = 'Asterisk REST Interface';
const ASTERISK_ID = '02:42:ac:11:00:02';
/** Asterisk's core English sounds the simulator has (the real ones are in asterisk-core-sounds-en). */
const CORE_SOUNDS = new Set([
  'beep',
  'silence/1',
  'hello-world',
  'tt-monkeys',
  ...Array.from({ length: 20 }, (_, n) => `digits/${n}`),
  ...[20, 30, 40, 50, 60, 70, 80, 90].map((n) => `digits/${n}`),
  'digits/hundred',
  'digits/thousand',
  'digits/million',
  'digits/star',
  'digits/pound',
]);
/** A spoken digit or number word is short. */
const CORE_SOUND_MS = (name: string): number => (name.startsWith('digits/') ? 450 : 1_000);

export class FakeAsterisk {
  readonly clock: VirtualClock;
  readonly spec: ApiSpec;
  readonly violations: Violation[] = [];
  /** Every event sent, in order (for tests that check sequences). */
  readonly sent: Array<Record<string, unknown>> = [];
  readonly world: World;
  readonly app: string;
  readonly soundsFolder: string;
  /** Virtual times of event-socket connection attempts (refused ones included). */
  readonly upgradeAttempts: number[] = [];
  /** REST requests being handled right now. */
  inFlight = 0;
  /** Of those, requests Asterisk holds until something in virtual time happens (a playback's end). */
  parked = 0;
  /** Set by the harness: is everything (us, the carrier, the call service) idle? */
  idleProbe: () => boolean = () => this.inFlight === 0;

  private readonly username: string;
  private readonly password: string;
  private readonly msPerWord: number;
  private server: http.Server | null = null;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly sockets = new Set<EventSocket>();
  private readonly connections = new Set<Socket>();
  private readonly parties = new Map<string, PartyScript>();
  private port = 0;
  private startedAt = 0;
  private requestCount = 0;

  constructor(options: FakeAsteriskOptions = {}) {
    this.clock = options.clock ?? new VirtualClock();
    this.spec = options.spec ?? loadSpec();
    this.username = options.username ?? 'asterisk';
    this.password = options.password ?? 'secret';
    this.app = options.app ?? 'support-line';
    this.soundsFolder = options.soundsFolder ?? 'support-line';
    this.msPerWord = options.msPerWord ?? 350;
    this.world = new World({
      clock: this.clock,
      emit: (app, type, fields) => this.emit(app, type, fields),
      durationOf: (media) => this.durationOf(media),
      violation: (message) => this.violations.push({ kind: 'request', message }),
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get credentials(): { username: string; password: string } {
    return { username: this.username, password: this.password };
  }

  get running(): boolean {
    return this.server !== null;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => void this.handle(req, res));
    server.on('connection', (socket) => {
      this.connections.add(socket);
      socket.on('close', () => this.connections.delete(socket));
    });
    server.on('upgrade', (req, socket, head) => this.upgrade(req, socket as Socket, head));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    this.startedAt = this.clock.ms;
  }

  /** Asterisk stops: sockets drop, every channel, bridge and playback vanishes. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    this.dropEventSockets();
    for (const socket of this.connections) socket.destroy();
    this.world.reset();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A restart: stop, then start on the same port with no channels. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** The event WebSocket breaks (network blip); Asterisk and its calls carry on. */
  dropEventSockets(): void {
    for (const s of this.sockets) s.ws.terminate();
    this.sockets.clear();
  }

  /** Events sent on the open socket of `app`, or null if none is open. */
  sentOnSocket(app = this.app): number | null {
    const socket = this.socketFor(app);
    return socket ? socket.sent : null;
  }

  // --- the people ---------------------------------------------------------------------

  /** A call comes in on the support number. Without a connected application, Stasis fails. */
  call(options: { from: string; to?: string; leavesFallbackMessage?: { seconds: number } }): Caller {
    const to = options.to ?? '+441632960000';
    if (!this.running || !this.socketFor(this.app)) {
      // Stasis() fails for an application that is not connected: the shipped dialplan
      // (dialplan/extensions.conf) rings the desk, then records a message under a name
      // made of the UTC time and the caller's number.
      if (this.running && options.leavesFallbackMessage) {
        const stamp = this.clock.now().toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
        const name = `support-line/fallback-${stamp}-${options.from.replace(/[^0-9+]/g, '')}`;
        this.world.stored.set(name, { name, format: 'wav', duration: options.leavesFallbackMessage.seconds });
      }
      return new Caller(this, null, options.from);
    }
    const channel = this.world.inboundCall(options.from, to, this.app);
    return new Caller(this, channel, options.from);
  }

  /** The engineer reached on this number (the number in the dial string). */
  engineer(number: string): PartyScript {
    return this.party(number);
  }

  /** The desk extension reached through the desk context (e.g. `support`). */
  desk(extension: string): PartyScript {
    return this.party(extension);
  }

  private party(key: string): PartyScript {
    let party = this.parties.get(key);
    if (!party) {
      party = new PartyScript(this, key);
      this.parties.set(key, party);
    }
    return party;
  }

  // --- waiting on virtual time --------------------------------------------------------

  /** Waits (real time, polling) until the whole system is idle. */
  async settle(realTimeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + realTimeoutMs;
    for (;;) {
      if (this.idleProbe()) {
        await new Promise((r) => setImmediate(r));
        if (this.idleProbe()) {
          await new Promise((r) => setTimeout(r, 0));
          if (this.idleProbe()) return;
        }
      } else {
        await new Promise((r) => setTimeout(r, 1));
      }
      if (Date.now() > deadline) throw new Error('the line never went idle');
    }
  }

  /**
   * Waits until `condition` holds, firing virtual timers one at a time whenever
   * everything is idle. Fails if nothing is left to happen or virtual time passes `withinMs`.
   */
  async until(condition: () => boolean, what: string, options: { withinMs?: number; realTimeoutMs?: number } = {}): Promise<void> {
    const limit = this.clock.ms + (options.withinMs ?? 60 * 60_000);
    const realDeadline = Date.now() + (options.realTimeoutMs ?? 20_000);
    for (;;) {
      const generation = this.clock.generation;
      await this.settle();
      if (condition()) return;
      if (this.clock.generation !== generation) continue;
      if (Date.now() > realDeadline) throw new Error(`timed out (real time) waiting: ${what}`);
      if (!this.clock.fireNext(limit)) {
        const why = this.clock.nextDue() === null ? 'nothing left to happen' : 'not within the time allowed';
        throw new Error(`${what}: ${why}`);
      }
    }
  }

  /** Lets `ms` of virtual time pass, with everything that happens in it. */
  async advance(ms: number): Promise<void> {
    const target = this.clock.ms + ms;
    for (;;) {
      const generation = this.clock.generation;
      await this.settle();
      if (this.clock.ms >= target) return;
      if (this.clock.generation !== generation) continue;
      const due = this.clock.nextDue();
      if (due !== null && due <= target) this.clock.fireNext();
      else this.clock.jumpTo(target);
    }
  }

  // --- HTTP -----------------------------------------------------------------------------

  private authorised(req: http.IncomingMessage, url: URL): boolean {
    const key = url.searchParams.get('api_key');
    if (key !== null) return key === `${this.username}:${this.password}`;
    const header = req.headers.authorization ?? '';
    if (!header.startsWith('Basic ')) return false;
    return Buffer.from(header.slice(6), 'base64').toString() === `${this.username}:${this.password}`;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    this.inFlight += 1;
    try {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://asterisk');
      const label = `${req.method} ${url.pathname}`;
      if (!url.pathname.startsWith('/ari/')) return send(res, { status: 404, body: { message: 'Not found' } });
      if (!this.authorised(req, url)) {
        return send(res, { status: 401, body: { message: 'Authentication required' }, headers: { 'WWW-Authenticate': `Basic realm="${REALM}"` } });
      }
      const docs = /^\/ari\/api-docs\/([A-Za-z]+)\.json$/.exec(url.pathname);
      if (req.method === 'GET' && docs) return this.serveDescription(req, res, docs[1] as string);
      this.requestCount += 1;
      const raw = url.pathname.slice('/ari/'.length);
      const segments = raw.split('/');
      if (segments.some((s) => s === '')) {
        this.violations.push({ kind: 'request', message: 'empty path segment (a trailing / gives 404)', request: label });
        return send(res, { status: 404, body: { message: 'Resource not found' } });
      }
      const match = matchOperation(this.spec, req.method ?? 'GET', segments);
      if (match.kind === 'no-path') {
        this.violations.push({ kind: 'request', message: 'no such ARI resource', request: label });
        return send(res, { status: 404, body: { message: 'Resource not found' } });
      }
      if (match.kind === 'no-method') {
        this.violations.push({ kind: 'request', message: `method not allowed (allowed: ${match.allowed.join(', ')})`, request: label });
        return send(res, { status: 405, body: { message: 'Method Not Allowed' } });
      }
      const query = parseQuery(url.search);
      let json: Record<string, unknown> | null = null;
      if (body.length > 0) {
        try {
          const parsed: unknown = JSON.parse(body);
          if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) json = parsed as Record<string, unknown>;
          else throw new Error('not an object');
        } catch {
          this.violations.push({ kind: 'request', message: 'body is not a JSON object', request: label });
          return send(res, { status: 400, body: { message: 'Invalid JSON body' } });
        }
      }
      const problems = checkParams(match.operation, query, json);
      for (const p of problems) this.violations.push({ kind: 'request', message: `${match.operation.op}: ${p.message}`, request: label });
      const rejected = problems.find((p) => p.rejects);
      if (rejected) return send(res, { status: 400, body: { message: rejected.message } });
      const handler = HANDLERS[match.operation.op];
      if (!handler) {
        this.violations.push({ kind: 'sim', message: `${match.operation.op} is not simulated`, request: label });
        return send(res, { status: 500, body: { message: 'Not simulated' } });
      }
      const lastValues = new Map([...query].map(([k, v]) => [k, v[v.length - 1] as string]));
      let reply = handler({ op: match.operation, pathParams: match.pathParams, query: lastValues, body: json }, this.context());
      if (reply.held) {
        const held = reply.held;
        // Virtual time may move while it waits (see idle.ts); a client that gives up closes the socket.
        const gaveUp = new Promise<'closed'>((resolve) => res.once('close', () => resolve('closed')));
        this.parked += 1;
        const outcome = await Promise.race([held.until.then(() => 'ready' as const), gaveUp]).finally(() => {
          this.parked -= 1;
        });
        if (outcome === 'closed') return;
        reply = held.then();
      }
      this.checkReply(match.operation, reply, label);
      send(res, reply);
      reply.after?.();
    } catch (err) {
      this.violations.push({ kind: 'sim', message: `simulator error: ${(err as Error).stack ?? String(err)}` });
      if (!res.headersSent) send(res, { status: 500, body: { message: 'Internal Server Error' } });
    } finally {
      this.inFlight -= 1;
    }
  }

  private context(): SimContext {
    return {
      world: this.world,
      app: this.app,
      asteriskId: ASTERISK_ID,
      startedAt: this.startedAt,
      partyFor: (resource) => this.parties.get(resource) ?? null,
      sounds: () => this.soundIds(),
      violation: (message) => this.violations.push({ kind: 'request', message }),
    };
  }

  /** The simulator holds itself to the spec too: only listed error codes, bodies that fit the model. */
  private checkReply(op: OperationSpec, reply: Reply, label: string): void {
    const problem = (message: string) => this.violations.push({ kind: 'sim', message: `${op.op}: ${message}`, request: label });
    if (reply.status >= 400) {
      if (!op.errors.includes(reply.status) && reply.status !== 401 && reply.status !== 500) problem(`answered ${reply.status}, not in errorResponses`);
      return;
    }
    if (op.returns === 'void') {
      if (reply.status !== 204) problem(`void operation answered ${reply.status}`);
      return;
    }
    if (op.returns === 'binary') return;
    const list = /^List\[(.+)\]$/.exec(op.returns);
    const modelName = list ? (list[1] as string) : op.returns;
    const model = this.spec.models.get(modelName);
    if (!model) return;
    const items = list ? (reply.body as unknown[]) : [reply.body];
    for (const item of items) for (const p of checkModel(this.spec, model, item, modelName)) problem(p);
  }

  private serveDescription(req: http.IncomingMessage, res: http.ServerResponse, name: string): void {
    const doc = this.spec.documents.get(name);
    if (!doc) return send(res, { status: 404, body: { message: 'Resource not found' } });
    // Real Asterisk rewrites basePath to the address it was reached on.
    const copy = { ...(doc as Record<string, unknown>), basePath: `http://${req.headers.host ?? `127.0.0.1:${this.port}`}/ari` };
    send(res, { status: 200, body: copy });
  }

  // --- the event WebSocket ------------------------------------------------------------------

  private upgrade(req: http.IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://asterisk');
    this.upgradeAttempts.push(this.clock.ms);
    const refuse = (status: number, text: string, extra = ''): void => {
      const body = JSON.stringify({ message: text });
      socket.end(`HTTP/1.1 ${status} ${text}\r\n${extra}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    if (url.pathname !== '/ari/events') return refuse(404, 'Not Found');
    if (!this.authorised(req, url)) return refuse(401, 'Authentication required', `WWW-Authenticate: Basic realm="${REALM}"\r\n`);
    const op = this.spec.operations.find((o) => o.op === 'events.eventWebsocket');
    const query = parseQuery(url.search);
    if (op) {
      for (const p of checkParams(op, query, null)) this.violations.push({ kind: 'request', message: `events: ${p.message}`, request: 'GET /ari/events' });
    }
    const apps = (query.get('app')?.at(-1) ?? '').split(',').filter((a) => a !== '');
    if (apps.length === 0) return refuse(400, 'Bad Request');
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      for (const app of apps) {
        const old = this.socketFor(app);
        if (old) {
          // Asterisk tells the old connection it lost the application.
          this.send(old, app, 'ApplicationReplaced', {});
          old.apps = old.apps.filter((a) => a !== app);
        }
      }
      const entry: EventSocket = { ws, apps, sent: 0 };
      this.sockets.add(entry);
      ws.on('close', () => this.sockets.delete(entry));
      ws.on('error', () => undefined);
    });
  }

  private socketFor(app: string): EventSocket | null {
    for (const s of this.sockets) if (s.apps.includes(app) && s.ws.readyState === WebSocket.OPEN) return s;
    return null;
  }

  /** Sends a raw text frame to an application's socket (for tests of what the line ignores). */
  sendRaw(text: string, app = this.app): void {
    const socket = this.socketFor(app);
    if (!socket) return;
    socket.sent += 1;
    socket.ws.send(text);
  }

  private emit(app: string, type: string, fields: Record<string, unknown>): void {
    const socket = this.socketFor(app);
    this.send(socket, app, type, fields);
  }

  private send(socket: EventSocket | null, app: string, type: string, fields: Record<string, unknown>): void {
    const event = { type, timestamp: asteriskTime(this.clock.ms), ...fields, asterisk_id: ASTERISK_ID, application: app };
    const model = this.spec.events.get(type);
    if (!model) this.violations.push({ kind: 'sim', message: `event ${type} is not in events.json` });
    else for (const p of checkModel(this.spec, model, event, type)) this.violations.push({ kind: 'sim', message: p });
    this.sent.push(event);
    if (!socket) return;
    socket.sent += 1;
    socket.ws.send(JSON.stringify(event));
  }

  /** Sound ids an operator has not installed (or deleted): playing one fails, as in Asterisk. */
  readonly missingSounds = new Set<string>();

  /**
   * Folders of sounds/en that are a real directory on this machine (folder → path), as
   * the line renders announcements into: a sound there plays while its .wav exists,
   * for as long as the file lasts (8 kHz 16-bit: 16 bytes a millisecond).
   */
  readonly soundDirs = new Map<string, string>();

  private fileSound(value: string): number | null {
    const slash = value.indexOf('/');
    const dir = slash > 0 ? this.soundDirs.get(value.slice(0, slash)) : undefined;
    if (!dir) return null;
    const file = join(dir, `${value.slice(slash + 1)}.wav`);
    return existsSync(file) ? Math.max(600, Math.round(statSync(file).size / 16)) : null;
  }

  /** What GET /sounds lists: our prompts and the core sounds, less the missing ones. */
  private soundIds(): string[] {
    const ours = Object.keys(catalogue).map((id) => `${this.soundsFolder}/${id}`);
    return [...ours, ...CORE_SOUNDS].filter((id) => !this.missingSounds.has(id));
  }

  private durationOf(media: string): number | null {
    const [scheme, ...rest] = media.split(':');
    const value = rest.join(':');
    switch (scheme) {
      case 'sound': {
        if (this.missingSounds.has(value)) return null;
        const file = this.fileSound(value);
        if (file !== null) return file;
        const prefix = `${this.soundsFolder}/`;
        if (value.startsWith(prefix)) {
          const text = (catalogue as Record<string, string>)[value.slice(prefix.length)];
          return text === undefined ? null : Math.max(600, text.split(/\s+/).length * this.msPerWord);
        }
        return CORE_SOUNDS.has(value) ? CORE_SOUND_MS(value) : null;
      }
      case 'digits':
        return /^[0-9*#]+$/.test(value) ? value.length * 450 : null;
      case 'number':
        return /^-?\d+$/.test(value) ? 900 : null;
      case 'tone':
      case 'characters':
      case 'recording':
        return 1_500;
      default:
        return null;
    }
  }

  /** Live channels of a scripted party or caller, for assertions. */
  channelsOf(predicate: (c: SimChannel) => boolean): SimChannel[] {
    return this.world.history.filter(predicate);
  }
}

function send(res: http.ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  if (reply.status === 204 || reply.body === undefined) {
    res.writeHead(reply.status, headers);
    res.end();
    return;
  }
  if (Buffer.isBuffer(reply.body)) {
    res.writeHead(reply.status, { 'Content-Type': 'application/octet-stream', ...headers });
    res.end(reply.body);
    return;
  }
  res.writeHead(reply.status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(reply.body));
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Asterisk decodes each `key=value` with percent-decoding only (a `+` stays a `+`). */
function parseQuery(search: string): Map<string, string[]> {
  const query = new Map<string, string[]>();
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    query.set(key, [...(query.get(key) ?? []), value]);
  }
  return query;
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
