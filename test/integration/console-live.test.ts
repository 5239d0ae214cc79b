// The Now page's event stream across instances: a call taken by another instance
// reaches this one's browsers through Redis pub/sub; an engineer hears only of
// calls they are rung on; a stream ends with its session; an open stream does not
// hold up a stop.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { PIN_KEY } from '../support/env.ts';
import { createLogger } from '../../src/logger.ts';
import { openLine, type Line } from '../../src/runtime.ts';
import { CALLS_CHANNEL, EventHub } from '../../src/http/console/events.ts';
import { appendCallEvent, openCall } from '../../src/store/calls.ts';
import type { Db } from '../../src/store/db.ts';
import { endUserSessions, type SessionUser } from '../../src/store/sessions.ts';
import { addUser, setPassword, type Role } from '../../src/store/users.ts';
import { NOW, PASSWORD, signedIn, startConsoleLine, type ConsoleClient, type ConsoleLine } from '../support/console-line.ts';

let t: ConsoleLine;
let other: Line;
let otherOutbox: string;

beforeAll(async () => {
  t = await startConsoleLine();
  // A second instance on the same Postgres and Redis, with no console of its own.
  otherOutbox = mkdtempSync(join(tmpdir(), 'sl-console-b-'));
  other = await openLine(
    loadConfig({ NODE_ENV: 'test', DATABASE_URL: t.db.url, PIN_KEY, REDIS_URL: t.line.config.REDIS_URL, REDIS_PREFIX: t.prefix, OUTBOX_DIR: otherOutbox, INSTANCE_ID: 'console-live-b', LOG_LEVEL: 'silent' }),
    { logger: createLogger('silent') },
  );
});
afterAll(async () => {
  await other?.stop();
  rmSync(otherOutbox, { recursive: true, force: true });
  await t?.stop();
});

/** An open event stream, read as it arrives. */
async function stream(email: string) {
  return streamOf(await signedIn(t.url, email));
}

function streamOf(client: ConsoleClient) {
  return openStream(`${client.base}/console/events`, { cookie: `sl_session=${client.cookies.get('sl_session')}`, ...client.headers });
}

async function openStream(url: string, headers: Record<string, string>) {
  const controller = new AbortController();
  const res = await fetch(url, { headers, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let ended = false;
  const pump = (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return void (ended = true);
        text += decoder.decode(value, { stream: true });
      }
    } catch {
      // aborted
    }
  })();
  const s = {
    get text() {
      return text;
    },
    async waitFor(pattern: RegExp, what: string, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        if (Date.now() > deadline) throw new Error(`no ${what} in the stream:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    /** The server ended the stream (not this side aborting it). */
    async ends(what: string, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (!ended) {
        if (Date.now() > deadline) throw new Error(`the stream did not end after ${what}:\n${text}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    close() {
      controller.abort();
      return pump;
    },
  };
  await s.waitFor(/: connected/, 'greeting');
  return s;
}

const SATURDAY_3AM = new Date('2026-11-21T03:00:00Z');

describe('the live event stream', () => {
  it('brings a call another instance took to this instance’s browsers', async () => {
    const sup = await stream(t.users.supervisor.email);
    const step = await other.calls.start({ carrier: 'cli', carrierCallId: randomUUID(), from: '+441632960002', to: '+441632960000', at: SATURDAY_3AM });
    await sup.waitFor(new RegExp(`event: call\\ndata: \\{"type":"call-started","callId":"${step.callId}"`), 'call-started');
    await other.calls.feed(step.callId, { type: 'hangup', cause: 'Normal Clearing' }, new Date(SATURDAY_3AM.getTime() + 5000));
    await sup.waitFor(new RegExp(`"type":"call-ended","callId":"${step.callId}"`), 'call-ended');
    await sup.close();
  });

  it('tells an engineer of a call once they are rung on it, and nobody else’s', async () => {
    const priya = await stream(t.users.engineer.email);
    const aisha = await stream(t.users.otherEngineer.email);
    const sup = await stream(t.users.supervisor.email);
    const acme = t.demo.accounts.find((a) => a.number === '10001')!;
    const at = (s: number) => new Date(SATURDAY_3AM.getTime() + s * 1000);
    const step = await other.calls.start({ carrier: 'cli', carrierCallId: randomUUID(), from: acme.phones[0]!, to: '+441632960000', at: at(0) });
    await other.calls.feed(step.callId, { type: 'input', digits: acme.pin }, at(5));
    await other.calls.feed(step.callId, { type: 'input', digits: '1' }, at(10));
    const ringing = await other.calls.feed(step.callId, { type: 'input', digits: '1' }, at(15));
    expect(ringing.commands.map((c) => c.kind)).toContain('dialEngineer'); // Priya, primary that week
    const id = step.callId;
    await priya.waitFor(new RegExp(`"callId":"${id}","carrier":"cli","from":"[^"]+","phase":"ringing"`), 'the call ringing her');
    await sup.waitFor(new RegExp(`"callId":"${id}","carrier":"cli","from":"[^"]+","phase":"ringing"`), 'the call for the supervisor');
    await other.calls.feed(id, { type: 'hangup', cause: 'Normal Clearing' }, at(20));
    await sup.waitFor(new RegExp(`"type":"call-ended","callId":"${id}"`), 'the end for the supervisor');
    await priya.waitFor(new RegExp(`"type":"call-ended","callId":"${id}"`), 'the end for her');
    // Before she was rung, Priya heard nothing of the call; Aisha never did.
    expect(priya.text).not.toContain(`"type":"call-started","callId":"${id}"`);
    expect(aisha.text).not.toContain(id);
    await Promise.all([priya.close(), aisha.close(), sup.close()]);
  });
});

/** A user of their own for a test that signs them out, disables or demotes them. */
async function person(role: Role, engineerId: string | null = null) {
  const email = `${role}.${randomUUID().slice(0, 8)}@example.com`;
  const { user } = await addUser(t.line.db, { email, name: `Test ${role}`, role, engineerId });
  await setPassword(t.line.db, user.id, PASSWORD, new Date('2026-11-21T00:00:00Z'));
  return { ...user, client: await signedIn(t.url, email) };
}

/** A call another instance takes, and a supervisor's stream that saw it (so it was published). */
async function aCall(witness: Awaited<ReturnType<typeof stream>>) {
  const step = await other.calls.start({ carrier: 'cli', carrierCallId: randomUUID(), from: '+441632960002', to: '+441632960000', at: SATURDAY_3AM });
  await witness.waitFor(new RegExp(`"type":"call-started","callId":"${step.callId}"`), 'the call for the witness');
  await other.calls.feed(step.callId, { type: 'hangup', cause: 'Normal Clearing' }, new Date(SATURDAY_3AM.getTime() + 5000));
  return step.callId;
}

describe('asking Postgres whether an engineer was rung', () => {
  /** A hub of our own over the line's Postgres and Redis, counting the questions it asks. */
  async function countingHub() {
    const db = t.line.db;
    const asked: string[] = [];
    const counting: Db = {
      kind: db.kind,
      query: (sql, params) => {
        if (sql.includes("'engineer-rung'")) asked.push(`${String(params?.[1])}|${String(params?.[0])}`);
        return db.query(sql, params);
      },
      tx: (fn) => db.tx(fn),
      session: (fn) => db.session(fn),
      close: () => db.close(),
    };
    const hub = new EventHub({ db: counting, live: t.line.live, logger: t.line.logger, isShuttingDown: () => false, now: () => NOW, heartbeatMs: 60_000 });
    await hub.start();
    const as = new Map<string, SessionUser>();
    const app = express();
    app.get('/events/:who', (req, res) => void hub.connect(req, res, as.get(req.params.who)!));
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      asked,
      /** A stream for this user, as if they had signed in (sessions are not what is tested here). */
      async streamFor(who: { id: string; email: string; name: string; role: Role; engineerId: string | null }) {
        as.set(who.id, { sessionId: 'none', csrfToken: 'none', expiresAt: NOW, user: { ...who, mustChangePassword: false } });
        return openStream(`${base}/events/${who.id}`, {});
      },
      async stop() {
        await hub.stop();
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    };
  }

  it('asks once per engineer for a call’s updates while nothing changes, and again when the call rings', async () => {
    const hub = await countingHub();
    const aisha = await hub.streamFor(t.users.otherEngineer);
    const witness = await hub.streamFor(t.users.supervisor); // connected after Aisha: told of each update after her
    const callId = randomUUID();
    await openCall(t.line.db, { id: callId, carrier: 'cli', carrierCallId: callId, from: '+441632960002', to: '+441632960000', startedAt: SATURDAY_3AM });
    let n = 0;
    const update = async (phase: string, route: string | null = null) => {
      n += 1;
      const message = { type: 'call-updated', callId, carrier: 'cli', from: '+441632960002', phase, account: null, route, ticket: null, at: `2026-11-21T03:00:${String(n).padStart(2, '0')}Z` };
      await t.line.live.publish(CALLS_CHANNEL, JSON.stringify(message));
      await witness.waitFor(new RegExp(`"phase":"${phase}".*"at":"${message.at}"`), `update ${n}`);
      return message.at;
    };
    const aishaAsked = () => hub.asked.filter((k) => k === `${t.users.otherEngineer.engineerId}|${callId}`).length;

    // The caller keys through the menu: four updates, one question, nothing for Aisha.
    for (const phase of ['pin', 'pin', 'menu', 'menu']) await update(phase);
    expect(aisha.text).not.toContain(callId);
    expect(aishaAsked()).toBe(2); // pin, then menu: the call moved on
    await update('menu');
    expect(aishaAsked()).toBe(2);

    // Now the call rings her: the cached no is not trusted, and she sees it.
    await appendCallEvent(t.line.db, callId, 1, SATURDAY_3AM, 'engineer-rung', { engineerId: t.users.otherEngineer.engineerId, name: 'Aisha Khan', level: 1, ringSeconds: 25 });
    const ringing = await update('ringing', 'oncall');
    await aisha.waitFor(new RegExp(`"phase":"ringing".*"at":"${ringing}"`), 'the call ringing her');
    const asked = aishaAsked();
    // Once rung, always rung: later updates reach her without asking again.
    const bridged = await update('bridged', 'oncall');
    await aisha.waitFor(new RegExp(`"at":"${bridged}"`), 'the call bridged');
    expect(aishaAsked()).toBe(asked);
    await Promise.all([aisha.close(), witness.close()]);
    await hub.stop();
  });

  it('a call that rings her in a step that ends elsewhere (every engineer busy, a message taken) is shown too', async () => {
    const hub = await countingHub();
    const aisha = await hub.streamFor(t.users.otherEngineer);
    const witness = await hub.streamFor(t.users.supervisor);
    const callId = randomUUID();
    await openCall(t.line.db, { id: callId, carrier: 'cli', carrierCallId: callId, from: '+441632960002', to: '+441632960000', startedAt: SATURDAY_3AM });
    const publish = async (phase: string, at: string) => {
      await t.line.live.publish(CALLS_CHANNEL, JSON.stringify({ type: 'call-updated', callId, carrier: 'cli', from: '+441632960002', phase, account: null, route: 'oncall', ticket: null, at }));
      await witness.waitFor(new RegExp(`"at":"${at}"`), phase);
    };
    await publish('planning', '2026-11-21T03:00:01Z');
    expect(aisha.text).not.toContain(callId);
    await appendCallEvent(t.line.db, callId, 1, SATURDAY_3AM, 'engineer-rung', { engineerId: t.users.otherEngineer.engineerId, name: 'Aisha Khan', level: 1, ringSeconds: 25 });
    await publish('recording', '2026-11-21T03:00:02Z');
    await aisha.waitFor(new RegExp(`"phase":"recording"`), 'the call she was rung on');
    await Promise.all([aisha.close(), witness.close()]);
    await hub.stop();
  });
});

describe('a stream lasts as long as its session', () => {
  it('signing out ends the stream, and no later call reaches it', async () => {
    const witness = await stream(t.users.supervisor.email);
    const sam = await person('supervisor');
    const live = await streamOf(sam.client);
    const before = await aCall(witness);
    await live.waitFor(new RegExp(`"callId":"${before}"`), 'the call before signing out');
    expect((await sam.client.form('/console/sign-out', {})).status).toBe(303);
    await live.ends('signing out');
    expect(live.text).toMatch(/event: session-ended\n/);
    const after = await aCall(witness);
    expect(live.text).not.toContain(after);
    await witness.close();
  });

  it('disabling the user ends their stream at once', async () => {
    const witness = await stream(t.users.supervisor.email);
    const leaver = await person('supervisor');
    const live = await streamOf(leaver.client);
    const before = await aCall(witness);
    await live.waitFor(new RegExp(`"callId":"${before}"`), 'the call before being disabled');
    const admin = await signedIn(t.url, t.users.admin.email);
    expect((await admin.json('PATCH', `/api/users/${leaver.id}`, { disabled: true })).status).toBe(200);
    await live.ends('disabling the user');
    const after = await aCall(witness);
    expect(live.text).not.toContain(after);
    await witness.close();
  });

  it('a supervisor made an engineer stops seeing every call', async () => {
    const witness = await stream(t.users.supervisor.email);
    const demoted = await person('supervisor');
    const live = await streamOf(demoted.client);
    const admin = await signedIn(t.url, t.users.admin.email);
    expect((await admin.json('PATCH', `/api/users/${demoted.id}`, { role: 'engineer' })).status).toBe(200);
    await live.ends('the role change');
    const after = await aCall(witness);
    expect(live.text).not.toContain(after);
    await witness.close();
  });

  it('signing out one browser leaves the same user’s other browser streaming', async () => {
    const sam = await person('supervisor');
    const laptop = await streamOf(sam.client);
    const phone = await streamOf(await signedIn(t.url, sam.email));
    expect((await sam.client.form('/console/sign-out', {})).status).toBe(303);
    await laptop.ends('signing out the laptop');
    const after = await aCall(phone);
    expect(laptop.text).not.toContain(after);
    await phone.close();
  });
});

describe('a session ended where nobody announces it', () => {
  it('(the command line resetting a password, or idle expiry) ends the stream at the next heartbeat', async () => {
    const second = await startConsoleLine({ heartbeatMs: 100 });
    try {
      const { user } = await addUser(second.line.db, { email: 'cli.reset@example.com', role: 'supervisor' });
      await setPassword(second.line.db, user.id, PASSWORD, new Date('2026-11-21T00:00:00Z'));
      const live = await streamOf(await signedIn(second.url, 'cli.reset@example.com'));
      await live.waitFor(/: ping/, 'a heartbeat while the session stands');
      await endUserSessions(second.line.db, user.id); // what `support-line users reset-password` does
      await live.ends('the session was deleted');

      // An idle session that expires (by the console's clock) ends its stream the same way.
      const idle = await streamOf(await signedIn(second.url, second.users.supervisor.email));
      await idle.waitFor(/: ping/, 'a heartbeat while the session stands');
      await second.line.db.query('update console_sessions set expires_at = $2 where user_id = $1', [second.users.supervisor.id, new Date(NOW.getTime() - 1000)]);
      await idle.ends('the session expired');
    } finally {
      await second.stop();
    }
  });
});

describe('stopping', () => {
  it('an open stream does not hold up the line’s stop', async () => {
    const second = await startConsoleLine();
    const client = await signedIn(second.url, second.users.supervisor.email);
    const res = await fetch(`${second.url}/console/events`, { headers: { cookie: `sl_session=${client.cookies.get('sl_session')}`, ...client.headers } });
    const reader = res.body!.getReader();
    await reader.read();
    // The browser keeps its stream open and never lets go: the stop ends the stream
    // itself instead of waiting on the browser (else it would hang past the test's timeout).
    await second.stop();
    expect((await reader.read()).done).toBe(true);
  }, 30_000);
});
