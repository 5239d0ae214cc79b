// Two instances of the line at once, sharing one Postgres and one Redis: they
// migrate an empty database without racing, a call offered to both is handled by
// one, and two escalated calls never ring the same engineer.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Line } from '../../src/runtime.ts';
import { readMigrations } from '../../src/store/migrate.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { LiveCall, manualClock, openInstance, tempDir, type ManualClock } from '../support/instances.ts';
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

async function pair(db: FreshDatabase, clock?: ManualClock): Promise<[Line, Line]> {
  const open = (name: string) =>
    openInstance({ name, databaseUrl: db.url, redisUrl: REDIS_URL, redisPrefix: redis.prefix, outboxDir: outbox.path, ...(clock ? { clock } : {}) });
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
});
