// Notifications from the outbox: SMS through Twilio (a strict in-process double),
// the signed webhook (a server on loopback) and the console's feed, with retries,
// repeats and acknowledgements on a controlled clock.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelsFromConfig } from '../../src/notify/channels.ts';
import { verifyWebhook } from '../../src/notify/webhook.ts';
import type { AlertRouting } from '../../src/notify/outbox.ts';
import { openLiveStore, type LiveStore } from '../../src/store/live/live-store.ts';
import { acknowledgeNotification, leaseDueNotifications } from '../../src/store/notifications.ts';
import { createNotifier, retryDelayMs } from '../../src/workers/notifier.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { escalationFailed } from '../../src/tickets/service.ts';
import type { Db } from '../../src/store/db.ts';
import { TwilioRestDouble } from '../support/fake-twilio/rest-double.ts';
import { useFreshDatabase } from '../support/db.ts';
import { at, customer, openTicket } from '../support/tickets.ts';

const fresh = useFreshDatabase();
const silent = pino({ level: 'silent' });
const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'notify-test-token';
const SECRET = 'webhook-secret-for-tests';
const DUTY_MANAGER = '+447700900999';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

let hook: Server;
let hookUrl = '';
const received: Received[] = [];
const hookAnswers: number[] = [];
let live: LiveStore;

beforeAll(async () => {
  hook = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.statusCode = hookAnswers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hooks/support-line`;
  live = await openLiveStore({});
});
afterAll(async () => {
  await new Promise((resolve) => hook.close(resolve));
  await live.close();
});

function config(over: { sms?: boolean; webhook?: boolean } = {}) {
  return {
    TWILIO_ACCOUNT_SID: over.sms === false ? undefined : SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    TWILIO_CALLER_ID: '+441632960000',
    TWILIO_VOICE: 'Polly.Amy',
    TWILIO_PROMPTS: 'say' as const,
    NOTIFY_WEBHOOK_URL: over.webhook === false ? undefined : hookUrl,
    NOTIFY_WEBHOOK_SECRET: SECRET,
    DUTY_MANAGER_PHONE: DUTY_MANAGER,
    publicBaseUrl: 'https://line.example.co.uk',
  };
}

function notifier(db: Db, twilio: TwilioRestDouble, over: { sms?: boolean; webhook?: boolean } = {}) {
  return createNotifier({
    db,
    clock: () => {
      throw new Error('the tests say the time through tick(now)');
    },
    channels: channelsFromConfig(config(over), { db, live, logger: silent, twilioHttpClient: twilio }),
    logger: silent,
    intervalSeconds: 30,
  });
}

/**
 * Each test starts with a quiet outbox: what earlier tests left running or queued
 * in this file's database is put aside, so counts here are this test's alone.
 */
async function quiet(db: Db): Promise<void> {
  await db.query(`update sla_timers set state = 'cancelled', next_fire_at = null where state in ('running', 'paused')`);
  await db.query(
    `update notifications set acknowledged_at = now(), acknowledged_by = 'test:quiet', next_attempt_at = null
      where acknowledged_at is null`,
  );
}

/** Cat4 critical faults whose response breaches two hours after `opened`, breached by the watcher. */
async function breachedTicket(db: Db, opened: string, routing: AlertRouting, count = 1) {
  await quiet(db);
  const a = await customer(db, 'Cat4', 'Alerting Ltd');
  const tickets = [];
  for (let i = 0; i < count; i++) {
    tickets.push(await openTicket(db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at(opened) }));
  }
  const t = tickets[0]!;
  const due = new Date(at(opened).getTime() + 2 * 3600_000);
  await createSlaWatcher({ db, clock: () => due, notify: routing, logger: silent, intervalSeconds: 30 }).tick(due);
  const rows = async () =>
    db.query<{ id: string; channel: string; recipient: string; state: string; attempts: number; failures: number; sends: number; next_attempt_at: Date | null; last_error: string | null; kind: string }>(
      `select id, channel, recipient, state, attempts, failures, sends, next_attempt_at, last_error, kind
         from notifications where ticket_id = $1 and kind = 'breach' order by channel, id`,
      [t.id],
    );
  return { ticket: t, tickets, due, rows };
}

describe('an SMS that Twilio refuses twice', () => {
  it('is tried again after 30 s and 60 s, sent on the third try, and every try is recorded', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN).failNext(503, 20500, 'Service Unavailable').failNext(503, 20500, 'Service Unavailable');
    const { due, rows } = await breachedTicket(fresh.db, '2026-11-23T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    const n = notifier(fresh.db, twilio, { webhook: false });
    const t = (seconds: number) => new Date(due.getTime() + seconds * 1000);

    expect(await n.tick(t(0))).toEqual({ sent: 1, failed: 1 }); // the feed goes; the SMS does not
    let sms = (await rows()).find((r) => r.channel === 'sms')!;
    expect(sms).toMatchObject({ state: 'failed', attempts: 1, failures: 1, next_attempt_at: t(30) });
    expect(sms.last_error).toMatch(/503/);

    expect(await n.tick(t(29))).toEqual({ sent: 0, failed: 0 });
    expect(await n.tick(t(30))).toEqual({ sent: 0, failed: 1 });
    sms = (await rows()).find((r) => r.channel === 'sms')!;
    expect(sms).toMatchObject({ state: 'failed', attempts: 2, failures: 2, next_attempt_at: t(90) });

    expect(await n.tick(t(89))).toEqual({ sent: 0, failed: 0 });
    expect(await n.tick(t(90))).toEqual({ sent: 1, failed: 0 });
    sms = (await rows()).find((r) => r.channel === 'sms')!;
    expect(sms).toMatchObject({ state: 'sent', attempts: 3, failures: 0, sends: 1, last_error: null });

    expect(twilio.requests).toHaveLength(3);
    expect(twilio.messages).toEqual([expect.objectContaining({ to: DUTY_MANAGER, from: '+441632960000' })]);
    expect(twilio.messages[0]?.body).toMatch(new RegExp(`^SLA BREACH: ticket \\d+ \\(Alerting Ltd, Cat4\\) response was due 12:00 today; service credit earned\\. Ack: notifications ack --id ${sms.id}$`));
  });

  it('backs off 30 s × 2^n, never more than an hour apart', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(retryDelayMs)).toEqual([30_000, 60_000, 120_000, 240_000, 1_920_000, 3_600_000, 3_600_000]);
  });
});

describe('paging until someone acknowledges', () => {
  it('repeats a breach SMS every 15 minutes, and not once it is acknowledged', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const { due, rows } = await breachedTicket(fresh.db, '2026-11-24T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    const n = notifier(fresh.db, twilio, { webhook: false });
    const t = (minutes: number) => new Date(due.getTime() + minutes * 60_000);

    await n.tick(t(0));
    expect(twilio.messages).toHaveLength(1);
    await n.tick(t(14));
    expect(twilio.messages).toHaveLength(1);
    await n.tick(t(15));
    expect(twilio.messages).toHaveLength(2);

    const sms = (await rows()).find((r) => r.channel === 'sms')!;
    const acked = await acknowledgeNotification(fresh.db, sms.id, 'user:4', t(20));
    expect(acked.map((r) => r.id)).toContain(sms.id);
    for (const m of [30, 45, 60, 120, 600]) await n.tick(t(m));
    expect(twilio.messages).toHaveLength(2);
    expect((await rows()).find((r) => r.channel === 'sms')).toMatchObject({ state: 'sent', sends: 2, next_attempt_at: null });
  });

  it('stops three repeats after the first page', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const { due } = await breachedTicket(fresh.db, '2026-11-25T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    const n = notifier(fresh.db, twilio, { webhook: false });
    for (let m = 0; m <= 180; m += 15) await n.tick(new Date(due.getTime() + m * 60_000));
    expect(twilio.messages).toHaveLength(4);
  });

  it('pages the duty manager about an exhausted ladder until someone acknowledges it, past the three repeats', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const routing = { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false };
    await quiet(fresh.db);
    const a = await customer(fresh.db, 'Cat4', 'Stranded Ltd');
    const t = await openTicket(fresh.db, { accountId: a.id, tier: 'Cat4', priority: 'critical', openedAt: at('2026-11-28T03:00:00Z') });
    const failedAt = at('2026-11-28T03:05:00Z');
    expect(await escalationFailed({ db: fresh.db, division: 'england-and-wales', routing }, { ticketId: t.id, at: failedAt })).toBe(true);
    const n = notifier(fresh.db, twilio, { webhook: false });
    for (let m = 0; m <= 120; m += 15) await n.tick(new Date(failedAt.getTime() + m * 60_000));
    expect(twilio.messages).toHaveLength(9);
    expect(twilio.messages[0]?.body).toMatch(/^ESCALATION FAILED: ticket \d+ \(Stranded Ltd, Cat4\): no on-call engineer accepted the customer's call\. Call them back now\. Ack: notifications ack --id \d+$/);
    const [sms] = await fresh.db.query<{ id: string }>(`select id from notifications where ticket_id = $1 and channel = 'sms'`, [t.id]);
    await acknowledgeNotification(fresh.db, sms!.id, 'user:4', new Date(failedAt.getTime() + 121 * 60_000));
    for (let m = 135; m <= 300; m += 15) await n.tick(new Date(failedAt.getTime() + m * 60_000));
    expect(twilio.messages).toHaveLength(9);
  });

  it('never retries a failing SMS once acknowledged', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN).failNext(500, 20500, 'Internal Server Error');
    const { due, rows } = await breachedTicket(fresh.db, '2026-11-26T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    const n = notifier(fresh.db, twilio, { webhook: false });
    await n.tick(due);
    const sms = (await rows()).find((r) => r.channel === 'sms')!;
    await acknowledgeNotification(fresh.db, sms.id, 'user:4', due);
    for (const s of [30, 60, 600, 3600]) await n.tick(new Date(due.getTime() + s * 1000));
    expect(twilio.requests).toHaveLength(1);
  });
});

describe('the webhook', () => {
  it('posts JSON signed with HMAC-SHA256 over the timestamp and the raw body, retried after a 500', async () => {
    received.length = 0;
    hookAnswers.push(500);
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const { due, rows, ticket } = await breachedTicket(fresh.db, '2026-11-27T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: false, webhook: true });
    const n = notifier(fresh.db, twilio, { sms: false });

    expect(await n.tick(due)).toEqual({ sent: 1, failed: 1 });
    expect((await rows()).find((r) => r.channel === 'webhook')).toMatchObject({ state: 'failed', last_error: 'the webhook answered 500' });
    expect(await n.tick(new Date(due.getTime() + 30_000))).toEqual({ sent: 1, failed: 0 });
    expect(received).toHaveLength(2);

    const [first, second] = received as [Received, Received];
    expect(second.headers['content-type']).toBe('application/json');
    expect(second.headers['x-support-line-delivery']).toBe(first.headers['x-support-line-delivery']);
    const body = JSON.parse(second.body) as Record<string, unknown>;
    expect(body).toMatchObject({ kind: 'breach', target: 'response', ticket: { reference: ticket.reference, tier: 'Cat4' }, serviceCredit: true });

    const signed = {
      rawBody: second.body,
      timestamp: second.headers['x-support-line-timestamp'] as string,
      signature: second.headers['x-support-line-signature'] as string,
    };
    const when = new Date(due.getTime() + 30_000);
    expect(signed.signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(signed.timestamp).toBe(String(when.getTime() / 1000));
    expect(verifyWebhook(SECRET, signed, when)).toBe(true);
    expect(verifyWebhook('another-secret-entirely', signed, when)).toBe(false);
    expect(verifyWebhook(SECRET, { ...signed, rawBody: second.body.replace('"breach"', '"warning"') }, when)).toBe(false);
    // A replay with a fresh timestamp fails the signature; the old timestamp fails the 5-minute window.
    expect(verifyWebhook(SECRET, { ...signed, timestamp: String(when.getTime() / 1000 + 600) }, new Date(when.getTime() + 600_000))).toBe(false);
    expect(verifyWebhook(SECRET, signed, new Date(when.getTime() + 301_000))).toBe(false);
  });
});

describe('the console feed', () => {
  it('gets one entry per alert, pushed to open consoles as it is written', async () => {
    const pushed: string[] = [];
    const unsubscribe = await live.subscribe('feed', (m) => pushed.push(m));
    const { due, ticket } = await breachedTicket(fresh.db, '2026-11-30T10:00:00Z', { dutyManagerPhone: null, sms: false, webhook: false });
    const n = notifier(fresh.db, new TwilioRestDouble(SID, TOKEN), { sms: false, webhook: false });
    await n.tick(due);
    await n.tick(new Date(due.getTime() + 60_000));
    await unsubscribe();
    const entries = await fresh.db.query<{ kind: string; reference: string; text: string }>(
      'select kind, reference, text from feed_entries where ticket_id = $1',
      [ticket.id],
    );
    expect(entries).toEqual([{ kind: 'breach', reference: ticket.reference, text: expect.stringMatching(/^SLA BREACH: ticket/) }]);
    expect(pushed.map((m) => (JSON.parse(m) as { entry: { reference: string } }).entry.reference)).toContain(ticket.reference);
  });
});

describe('never lost', () => {
  it('a notification leased by a notifier that died is delivered once its lease runs out', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const { due, rows } = await breachedTicket(fresh.db, '2026-12-01T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    // A notifier leases everything due, then its process dies before delivering.
    const leased = await leaseDueNotifications(fresh.db, due, 100, 120_000);
    expect(leased.length).toBeGreaterThanOrEqual(2);
    const n = notifier(fresh.db, twilio, { webhook: false });
    await n.tick(new Date(due.getTime() + 60_000));
    expect(twilio.messages).toHaveLength(0);
    await n.tick(new Date(due.getTime() + 120_000));
    expect(twilio.messages).toHaveLength(1);
    expect((await rows()).find((r) => r.channel === 'sms')).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('an SMS queued where SMS is not configured waits, retrying, rather than vanishing', async () => {
    const { due, rows } = await breachedTicket(fresh.db, '2026-12-02T10:00:00Z', { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false });
    const n = notifier(fresh.db, new TwilioRestDouble(SID, TOKEN), { sms: false, webhook: false });
    await n.tick(due);
    expect((await rows()).find((r) => r.channel === 'sms')).toMatchObject({
      state: 'failed',
      last_error: 'no sms channel is configured on this instance',
      next_attempt_at: new Date(due.getTime() + 30_000),
    });
  });

  it('two notifiers ticking together deliver each notification once', async () => {
    const twilio = new TwilioRestDouble(SID, TOKEN);
    const routing = { dutyManagerPhone: DUTY_MANAGER, sms: true, webhook: false };
    const { due } = await breachedTicket(fresh.db, '2026-12-03T10:00:00Z', routing, 3);
    const a = createNotifier({ db: fresh.db, clock: () => due, channels: channelsFromConfig(config({ webhook: false }), { db: fresh.db, live: null, logger: silent, twilioHttpClient: twilio }), logger: silent, intervalSeconds: 30, batchSize: 1 });
    const b = createNotifier({ db: fresh.db, clock: () => due, channels: channelsFromConfig(config({ webhook: false }), { db: fresh.db, live: null, logger: silent, twilioHttpClient: twilio }), logger: silent, intervalSeconds: 30, batchSize: 1 });
    await Promise.all([a.tick(due), b.tick(due), a.tick(due), b.tick(due)]);
    expect(twilio.messages.filter((m) => m.to === DUTY_MANAGER)).toHaveLength(3);
  });
});
