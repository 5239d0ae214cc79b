// A running line with the console, for the console's API and browser tests: a
// fresh Postgres database, Redis under a prefix of its own, a real HTTP server on a
// free port, the demo data, a handful of calls through the real flow, and users of
// every role with known passwords. The console's clock is fixed, so SLA states and
// countdowns read the same on every run.
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openLine, serve, type Line } from '../../src/runtime.ts';
import { runScriptedCall, type CallScript } from '../../src/carriers/cli/scripted-carrier.ts';
import { consoleComponent, type ConsoleOptions } from '../../src/http/console/component.ts';
import { appendCallEvent, closeCall, openCall, updateCall } from '../../src/store/calls.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { addUser, setPassword, type Role, type UserRecord } from '../../src/store/users.ts';
import { freshDatabase, type FreshDatabase } from './db.ts';
import { PIN_KEY, REDIS_URL } from './env.ts';
import { keysUnder } from './redis.ts';

/** Saturday 21 November 2026, 00:00 UK: the demo rota starts the Monday before. */
export const SEEDED_AT = new Date('2026-11-21T00:00:00Z');
/** The console's "now": Monday 23 November 2026, 15:30 UK (GMT). */
export const NOW = new Date('2026-11-23T15:30:00Z');
export const PASSWORD = 'a long test password';

export interface ConsoleUsers {
  admin: UserRecord;
  supervisor: UserRecord;
  /** Priya Shah: primary the week of the Saturday calls, rung on them. */
  engineer: UserRecord;
  /** Aisha Khan: never rung on any seeded call. */
  otherEngineer: UserRecord;
}

export interface SeededCalls {
  /** Cat4 critical at 3am Saturday: Priya does not answer, Tom accepts. */
  acmeAccepted: string;
  /** Cat4 critical, nobody accepts: a message, escalation failed, response breached. */
  acmeFailed: string;
  /** Cat1 out of hours: a message; the response timer is in its warning stretch at NOW. */
  castleMessage: string;
  /** Cat2 at 10:00 Monday through the desk. */
  brambleDesk: string;
  /** An Asterisk call with a stored recording (inserted directly). */
  asteriskVoicemail: string;
}

export interface ConsoleLine {
  line: Line;
  url: string;
  db: FreshDatabase;
  prefix: string;
  demo: DemoSeed;
  users: ConsoleUsers;
  calls: SeededCalls;
  /** Reference of the Castle ticket (warning at NOW). */
  warningTicket: string;
  stop(): Promise<void>;
}

export interface ConsoleLineOptions extends Omit<ConsoleOptions, 'clock'> {
  /** Extra environment for the config (e.g. ARI_URL for the recording proxy). */
  env?: Record<string, string>;
  clock?: () => Date;
}

export async function startConsoleLine(opts: ConsoleLineOptions = {}): Promise<ConsoleLine> {
  const db = await freshDatabase({ migrate: false });
  const prefix = `sl:test:${randomBytes(6).toString('hex')}:`;
  const outbox = mkdtempSync(join(tmpdir(), 'sl-console-'));
  const config = loadConfig({
    OUTBOX_DIR: outbox,
    INSTANCE_ID: `console-${prefix.slice(8, 20)}`,
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    PIN_KEY,
    REDIS_URL,
    REDIS_PREFIX: prefix,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...opts.env,
  });
  const clock = opts.clock ?? (() => NOW);
  const line = await openLine(config, { logger: createLogger('silent'), clock });
  line.components.push(consoleComponent(line, { ...opts, clock }));
  await serve(line);

  const demo = await seedDemo(line.db, SEEDED_AT);
  const calls = await seedCalls(line, demo);
  const [priya, , aisha] = demo.engineers;
  const users: ConsoleUsers = {
    admin: await user(line, 'admin@example.com', 'Ada Admin', 'admin'),
    supervisor: await user(line, 'sam.supervisor@example.com', 'Sam Supervisor', 'supervisor'),
    engineer: await user(line, 'priya.shah@example.com', 'Priya Shah', 'engineer', priya!.id),
    otherEngineer: await user(line, 'aisha.khan@example.com', 'Aisha Khan', 'engineer', aisha!.id),
  };
  const [castle] = await line.db.query<{ reference: string }>('select reference from tickets where call_id = $1', [calls.castleMessage]);
  return {
    line,
    url: line.url.replace('localhost', '127.0.0.1'),
    db,
    prefix,
    demo,
    users,
    calls,
    warningTicket: castle!.reference,
    async stop() {
      await line.stop();
      await db.drop();
      await deleteKeys(prefix);
      rmSync(outbox, { recursive: true, force: true });
    },
  };
}

async function user(line: Line, email: string, name: string, role: Role, engineerId?: string): Promise<UserRecord> {
  const { user: created } = await addUser(line.db, { email, name, role, engineerId: engineerId ?? null });
  await setPassword(line.db, created.id, PASSWORD, SEEDED_AT);
  return { ...created, mustChangePassword: false };
}

function account(demo: DemoSeed, number: string) {
  const a = demo.accounts.find((x) => x.number === number);
  if (!a) throw new Error(`no demo account ${number}`);
  return a;
}

/** One call through the real flow and call service, on its own clock. */
export async function ring(line: Line, at: Date, script: Partial<CallScript> & { from: string }): Promise<string> {
  let now = at;
  const clock = { now: () => now, advance: (s: number) => (now = new Date(now.getTime() + s * 1000)) };
  const result = await runScriptedCall(
    line.calls,
    { to: '+441632960000', keys: [], engineers: ['accept'], desk: 'answer', messageSeconds: 20, ...script },
    clock,
  );
  return result.callId;
}

async function seedCalls(line: Line, demo: DemoSeed): Promise<SeededCalls> {
  const acme = account(demo, '10001');
  const bramble = account(demo, '10002');
  const castle = account(demo, '10003');
  const saturday3am = new Date('2026-11-21T03:00:00Z');
  const acmeAccepted = await ring(line, saturday3am, { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: ['no-answer', 'accept'] });
  const acmeFailed = await ring(line, new Date('2026-11-21T03:20:00Z'), { from: acme.phones[0]!, keys: [`${acme.pin}#`, '1', '1'], engineers: [] });
  const castleMessage = await ring(line, new Date('2026-11-21T04:00:00Z'), { from: castle.phones[0]!, keys: [`${castle.pin}#`, '1', '1'] });
  const brambleDesk = await ring(line, new Date('2026-11-23T10:00:00Z'), { from: bramble.phones[0]!, keys: [`${bramble.pin}#`, '1', '2'] });
  const asteriskVoicemail = await asteriskCallWithRecording(line, new Date('2026-11-23T14:00:00Z'), acme.id);
  return { acmeAccepted, acmeFailed, castleMessage, brambleDesk, asteriskVoicemail };
}

/** The recording name the fake Asterisk serves. */
export const RECORDING_NAME = 'voicemail-test-1';

async function asteriskCallWithRecording(line: Line, at: Date, accountId: string): Promise<string> {
  const id = randomUUID();
  await openCall(line.db, { id, carrier: 'asterisk', carrierCallId: `chan-${id.slice(0, 8)}`, from: '+441632960001', to: '+441632960000', startedAt: at });
  await updateCall(line.db, id, { accountId, tier: 'Cat4', priority: 'standard', menu: 'fault', route: 'voicemail', routeReason: 'test: a message left over Asterisk', recordingName: RECORDING_NAME });
  const steps: [string, Record<string, unknown>][] = [
    ['call-started', { from: '+441632960001', to: '+441632960000', carrier: 'asterisk', closures: 0 }],
    ['route-decided', { route: 'voicemail', reason: 'test: a message left over Asterisk' }],
    ['record', { name: RECORDING_NAME, maxSeconds: 120 }],
    ['recorded', { recordingName: RECORDING_NAME, durationSeconds: 12 }],
    ['call-ended', { outcome: 'message', reason: 'message-recorded' }],
  ];
  for (const [i, [type, detail]] of steps.entries()) await appendCallEvent(line.db, id, i + 1, new Date(at.getTime() + i * 5000), type, detail);
  await closeCall(line.db, id, { outcome: 'message', endReason: 'message-recorded', hangupCause: null, endedAt: new Date(at.getTime() + 30_000) });
  return id;
}

async function deleteKeys(prefix: string): Promise<void> {
  if (!prefix.startsWith('sl:test:')) throw new Error(`refusing to delete keys under ${prefix}`);
  const keys = await keysUnder(prefix);
  if (keys.length === 0) return;
  const redis = new Redis(REDIS_URL);
  try {
    await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

// ---------------------------------------------------------------------------
// A signed-in HTTP client (fetch with a cookie jar), as a browser would be.

export class ConsoleClient {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  constructor(readonly base: string, readonly headers: Record<string, string> = {}) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(method: string, path: string, init: { body?: string; type?: string; headers?: Record<string, string> } = {}): Promise<Response> {
    const res = await fetch(this.base + path, {
      method,
      redirect: 'manual',
      headers: {
        ...this.headers,
        ...(this.cookies.size ? { cookie: this.cookieHeader() } : {}),
        ...(init.type ? { 'content-type': init.type } : {}),
        ...init.headers,
      },
      ...(init.body !== undefined ? { body: init.body } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const value = pair!.slice(eq + 1);
      if (/max-age=0/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  get(path: string, headers: Record<string, string> = {}) {
    return this.request('GET', path, { headers });
  }

  /** A form post with the session's CSRF token (unless `csrf: false`). */
  form(path: string, fields: Record<string, string>, opts: { csrf?: boolean } = {}) {
    const body = new URLSearchParams(fields);
    if (opts.csrf !== false && this.csrf) body.set('_csrf', this.csrf);
    return this.request('POST', path, { body: body.toString(), type: 'application/x-www-form-urlencoded' });
  }

  /** A JSON call to the API with the X-CSRF-Token header (unless `csrf: false`). */
  json(method: string, path: string, body?: unknown, opts: { csrf?: boolean } = {}) {
    return this.request(method, path, {
      ...(body === undefined ? {} : { body: JSON.stringify(body), type: 'application/json' }),
      headers: opts.csrf !== false && this.csrf ? { 'x-csrf-token': this.csrf } : {},
    });
  }

  /** The sign-in form, as a person fills it in; returns the POST's response. */
  async signIn(email: string, password: string): Promise<Response> {
    const form = await this.get('/console/sign-in');
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const res = await this.form('/console/sign-in', { _csrf: token, email, password }, { csrf: false });
    if (res.status === 303) await this.refreshCsrf();
    return res;
  }

  async refreshCsrf(): Promise<void> {
    const page = await this.get('/console/account');
    this.csrf = /name="csrf-token" content="([^"]+)"/.exec(await page.text())?.[1] ?? null;
  }
}

/** A client from an address of its own (through the trusted loopback proxy), so per-IP sign-in limits do not pool. */
export function clientAt(base: string, ip = `10.${rnd()}.${rnd()}.${rnd()}`): ConsoleClient {
  return new ConsoleClient(base, { 'x-forwarded-for': ip });
}
const rnd = () => Math.floor(Math.random() * 250) + 1;

export async function signedIn(base: string, email: string, password = PASSWORD): Promise<ConsoleClient> {
  const client = clientAt(base);
  const res = await client.signIn(email, password);
  if (res.status !== 303) throw new Error(`sign-in as ${email} answered ${res.status}`);
  return client;
}
