// Two instances of the line at once, sharing one Postgres and one Redis: they
// migrate an empty database without racing, a call offered to both is handled by
// one, and two escalated calls never ring the same engineer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Line } from '../../src/runtime.ts';
import { readMigrations } from '../../src/store/migrate.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { LiveCall, manualClock, openInstance, ring, tempDir, type ManualClock } from '../support/instances.ts';
import { TwilioRestDouble } from '../support/fake-twilio/rest-double.ts';
import { channelsFromConfig, routingFromConfig } from '../../src/notify/channels.ts';
import { createNotifier } from '../../src/workers/notifier.ts';
import { createSlaWatcher } from '../../src/workers/sla-watcher.ts';
import { createLogger } from '../../src/logger.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';

const SATURDAY_3AM = new Date('2026-11-21T03:00:00Z');

let redis: FreshRedis;
let outbox: ReturnType<typeof tempDir>;
const lines: Line[] = [];
const databases: FreshDatabase[] = [];

beforeAll(async () => {
  redis = await freshRedisLiveStore();
  outbox = tempDir();
});

afterEach(async () => {
  for (const line of lines.splice(0)) await line.stop().catch(() => undefined);
});

afterAll(async () => {
  for (const db of databases) await db.drop();
  await redis?.cleanup();
  outbox?.remove();
});

const SMS = { TWILIO_ACCOUNT_SID: 'AC' + 'c'.repeat(32), TWILIO_AUTH_TOKEN: 'two-instances-token', TWILIO_CALLER_ID: '+441632960000', DUTY_MANAGER_PHONE: '+447700900999' };

async function pair(db: FreshDatabase, clock?: ManualClock): Promise<[Line, Line]> {
  const open = (name: string) =>
    openInstance({ name, databaseUrl: db.url, redisUrl: REDIS_URL, redisPrefix: redis.prefix, outboxDir: outbox.path, env: SMS, ...(clock ? { clock } : {}) });
  const opened = await Promise.allSettled([open(`${db.name}-a`), open(`${db.name}-b`)]);
  for (const o of opened) if (o.status === 'fulfilled') lines.push(o.value);
  const [a, b] = opened;
  if (a?.status !== 'fulfilled' || b?.status !== 'fulfilled') {
    throw new Error(`an instance failed to start: ${opened.map((o) => (o.status === 'rejected' ? String(o.reason) : 'ok')).join('; ')}`);
  }
  return [a.value, b.value];
}

describe('two instances on one empty database', () => {
  it('both start at once, and every migration is applied exactly once', async () => {
    const db = await freshDatabase({ migrate: false });
    databases.push(db);
    await pair(db);
    const applied = await db.db.query<{ version: number }>('select version from schema_migrations order by version');
    expect(applied.map((r) => r.version)).toEqual(readMigrations().map((m) => m.version));
  });
});

describe('two instances taking calls', () => {
  let db: FreshDatabase;
  let demo: DemoSeed;
  beforeAll(async () => {
    db = await freshDatabase();
    databases.push(db);
    demo = await seedDemo(db.db, SATURDAY_3AM);
  });
  const acme = () => demo.accounts.find((a) => a.number === '10001')!;

  it('a call offered to both at once (a retried webhook, a replayed StasisStart) is one call', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const [a, b] = await pair(db, clock);
    const offer = { carrier: 'twilio' as const, carrierCallId: 'CA' + 'b'.repeat(32), from: acme().phones[0]!, to: '+441632960000', at: clock.now() };
    const results = await Promise.allSettled([a.calls.start(offer), b.calls.start(offer)]);
    const rows = await db.db.query<{ id: string }>('select id from calls where carrier_call_id = $1', [offer.carrierCallId]);
    expect(rows).toHaveLength(1);
    const answered = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.callId] : []));
    // Whoever answered, answered for the one call; the other was refused rather than starting a second.
    expect(answered.length).toBeGreaterThan(0);
    expect(new Set(answered)).toEqual(new Set([rows[0]!.id]));
    // Offered again afterwards, on either instance: the same call and the same first step.
    expect((await b.calls.start(offer)).callId).toBe(rows[0]!.id);
    expect((await a.calls.start(offer)).callId).toBe(rows[0]!.id);
  });

  it('two critical Cat4 calls at once, one on each instance, ring different engineers', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const [a, b] = await pair(db, clock);
    const first = await LiveCall.dial(a.calls, clock, acme().phones[0]!);
    const second = await LiveCall.dial(b.calls, clock, acme().phones[1]!);
    for (const call of [first, second]) {
      await call.press(`${acme().pin}#`);
      await call.press('1');
    }
    // Both callers say "critical" at the same moment.
    await Promise.all([first.press('1'), second.press('1')]);
    const rung = [first, second].map((c) => (c.waitingOn?.kind === 'dialEngineer' ? c.waitingOn.engineer.engineerId : null));
    expect(rung.every((id) => id !== null)).toBe(true);
    expect(rung[0]).not.toBe(rung[1]);
    const locked = await db.db.query<{ n: string }>(
      "select count(*) as n from call_events where type = 'engineer-result' and detail->>'outcome' = 'locked' and call_id = any($1::uuid[])",
      [[first.callId, second.callId]],
    );
    expect(Number(locked[0]?.n)).toBe(1);
    await Promise.all([first.hangUp(), second.hangUp()]);
  });

  it('an SLA breach on a call-raised ticket is recorded and texted once, with both instances watching', async () => {
    const clock = manualClock(SATURDAY_3AM);
    const [a, b] = await pair(db, clock);
    // A Cat4 critical fault at 3am whose engineers never answer: a message, the response clock running.
    const c = await ring(a, clock, { from: acme().phones[0]!, keys: [`${acme().pin}#`, '1', '1'], engineers: [] });
    const [ticket] = await db.db.query<{ id: string; reference: string }>('select id, reference from tickets where call_id = $1', [c.callId]);
    const sms = new TwilioRestDouble(SMS.TWILIO_ACCOUNT_SID, SMS.TWILIO_AUTH_TOKEN);
    const silent = createLogger('silent');
    const workers = [a, b].map((line) => ({
      watcher: createSlaWatcher({
        db: line.db,
        clock: clock.now,
        notify: routingFromConfig(line.config),
        logger: silent,
        intervalSeconds: 30,
        batchSize: 1,
        onActed: (r) => line.metrics.slaActed(r.warned, r.breached),
      }),
      notifier: createNotifier({
        db: line.db,
        clock: clock.now,
        channels: channelsFromConfig(line.config, { db: line.db, live: line.live, logger: silent, twilioHttpClient: sms }),
        logger: silent,
        intervalSeconds: 30,
        batchSize: 1,
      }),
    }));
    // Both instances look every minute for three hours, at the same instants.
    for (let minute = 0; minute <= 180; minute += 1) {
      const now = new Date(SATURDAY_3AM.getTime() + minute * 60_000);
      await Promise.all(workers.flatMap((w) => [w.watcher.tick(now), w.watcher.tick(now)]));
      await Promise.all(workers.flatMap((w) => [w.notifier.tick(now), w.notifier.tick(now)]));
    }
    const fired = await db.db.query<{ type: string; n: string }>(
      "select type, count(*) as n from ticket_events where ticket_id = $1 and type like 'sla_%' group by type order by type",
      [ticket!.id],
    );
    expect(fired.find((f) => f.type === 'sla_breach')?.n).toBe('1');
    const sent = await db.db.query<{ kind: string; sends: number }>(
      "select kind, sends from notifications where ticket_id = $1 and channel = 'sms' and recipient = $2",
      [ticket!.id, SMS.DUTY_MANAGER_PHONE],
    );
    expect(sent.map((n) => n.kind).sort()).toEqual(['breach', 'escalation_failed', 'warning', 'warning']); // the exhausted ladder's alert, at once
    // Every text went out once per recorded send (a breach pages again until acknowledged),
    // however many instances were watching: a warning once, never twice.
    const texts = sms.messages.filter((m) => m.to === SMS.DUTY_MANAGER_PHONE && m.body.includes(`ticket ${ticket!.reference} `));
    expect(texts).toHaveLength(sent.reduce((sum, n) => sum + n.sends, 0));
    expect(sent.filter((n) => n.kind === 'warning').every((n) => n.sends === 1)).toBe(true);
    expect(texts.filter((t) => /^SLA warning/.test(t.body))).toHaveLength(2);
    // Counted once in the metrics too: summed over the instances, as many as were recorded (every ticket here).
    const counted = async (name: string) => {
      let total = 0;
      for (const line of [a, b]) total += (await line.metrics.registry.getSingleMetric(name)?.get())?.values[0]?.value ?? 0;
      return total;
    };
    const recorded = async (type: string) => Number((await db.db.query<{ n: string }>('select count(*) as n from ticket_events where type = $1', [type]))[0]?.n);
    expect(await counted('support_line_sla_breaches_total')).toBe(await recorded('sla_breach'));
    expect(await counted('support_line_sla_warnings_total')).toBe(await recorded('sla_warning'));
    expect(await recorded('sla_breach')).toBeGreaterThan(0);
  });
});
