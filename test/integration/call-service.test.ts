// The call service's own guarantees, on real Postgres and Redis: one call per
// carrier call however many instances hear of it, and a timeline that never loses a step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCallService } from '../../src/calls/call-service.ts';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import type { CallRecords } from '../../src/calls/records.ts';
import { createLogger } from '../../src/logger.ts';
import { callTimeline } from '../../src/store/calls.ts';
import { seedDemo, type DemoSeed } from '../../src/store/seed-demo.ts';
import { freshDatabase, type FreshDatabase } from '../support/db.ts';
import { freshRedisLiveStore, type FreshRedis } from '../support/redis.ts';

const AT = new Date('2026-11-23T10:00:00Z');
let fresh: FreshDatabase;
let redis: FreshRedis;
let demo: DemoSeed;

beforeAll(async () => {
  fresh = await freshDatabase();
  redis = await freshRedisLiveStore();
  demo = await seedDemo(fresh.db, AT);
});
afterAll(async () => {
  await redis?.cleanup();
  await fresh?.drop();
});

const service = (records: CallRecords = pgCallRecords(fresh.db)) =>
  createCallService({
    records,
    live: redis.store,
    logger: createLogger('silent'),
    clock: () => AT,
    config: { division: 'england-and-wales', ringSeconds: 25, rounds: 2 },
  });

describe('the call service', () => {
  it('starts a call offered to two instances at once only once, and both give the caller the same first step', async () => {
    const a = service();
    const b = service();
    const input = { carrier: 'twilio' as const, carrierCallId: 'CA-same-delivery', from: demo.accounts[0]!.phones[0]!, to: '+441632960000', at: AT };
    const [one, two] = await Promise.all([a.start(input), b.start(input)]);
    expect(one.callId).toBe(two.callId);
    expect(one.commands).toEqual(two.commands);
    const rows = await fresh.db.query('select id from calls where carrier_call_id = $1', ['CA-same-delivery']);
    expect(rows).toHaveLength(1);
  });

  it("remembers once's answer in the session as it is after the work, keeping a step another instance took meanwhile", async () => {
    const account = demo.accounts.find((x) => x.number === '10003')!;
    const a = service();
    const b = service();
    const first = await a.start({ carrier: 'twilio', carrierCallId: 'CA-once-meanwhile', from: account.phones[0]!, to: '+441632960000', at: AT });
    await a.feed(first.callId, { type: 'input', digits: account.pin }, AT, { idempotencyKey: 'pin' });
    const done = await a.once?.(first.callId, 'ring', async () => {
      // While this instance rings, the other takes the caller's next key.
      await b.feed(first.callId, { type: 'input', digits: '1' }, AT, { idempotencyKey: 'menu' });
      return { sid: 'CA-engineer' };
    });
    expect(done).toEqual({ sid: 'CA-engineer' });
    const stored = await redis.store.getSession<{ seq: number; state: { phase: string }; results: Record<string, { done?: unknown }> }>(first.callId);
    expect(stored?.state.phase).toBe('critical');
    expect(stored?.results['menu']).toBeDefined();
    expect(stored?.results['ring']?.done).toEqual({ sid: 'CA-engineer' });
    // Asked again, on either instance: the same answer, the work not done again.
    const again = await b.once?.(first.callId, 'ring', async () => ({ sid: 'CA-twice' }));
    expect(again).toEqual({ sid: 'CA-engineer' });
    // This instance's next key goes on from the session with both.
    const next = await a.feed(first.callId, { type: 'input', digits: '2' }, AT, { idempotencyKey: 'critical' });
    expect(next.commands.length).toBeGreaterThan(0);
    expect((await redis.store.getSession<{ results: Record<string, unknown> }>(first.callId))?.results).toHaveProperty('ring');
  });

  it('keeps numbering the timeline after a step that failed part-way', async () => {
    const account = demo.accounts.find((x) => x.number === '10003')!;
    let failNextTicket = true;
    const pg = pgCallRecords(fresh.db);
    const flaky: CallRecords = {
      ...pg,
      async createTicket(ticket, at) {
        if (failNextTicket) {
          failNextTicket = false;
          throw new Error('connection terminated unexpectedly');
        }
        return pg.createTicket(ticket, at);
      },
    };
    const s = service(flaky);
    const first = await s.start({ carrier: 'cli', carrierCallId: 'cli-flaky', from: account.phones[0]!, to: '+441632960000', at: AT });
    await s.feed(first.callId, { type: 'input', digits: account.pin }, AT);
    await s.feed(first.callId, { type: 'input', digits: '1' }, AT);
    await expect(s.feed(first.callId, { type: 'input', digits: '2' }, AT)).rejects.toThrow(/connection terminated/);
    const before = await callTimeline(fresh.db, first.callId);
    await s.feed(first.callId, { type: 'hangup', cause: 'Normal Clearing' }, AT);
    const after = await callTimeline(fresh.db, first.callId);
    expect(after.length).toBeGreaterThan(before.length);
    expect(after.at(-1)?.type).toBe('call-ended');
    expect(new Set(after.map((e) => e.seq)).size).toBe(after.length);
  });

  it('frees an engineer who missed one call for the next, while a colleague takes the first', async () => {
    const night = new Date('2026-11-24T03:00:00Z'); // Tuesday 3am, inside the demo rota
    const nightService = createCallService({
      records: pgCallRecords(fresh.db),
      live: redis.store,
      logger: createLogger('silent'),
      clock: () => night,
      config: { division: 'england-and-wales', ringSeconds: 25, rounds: 2 },
    });
    const acme = demo.accounts.find((x) => x.number === '10001')!;
    const ringUntilDial = async (carrierCallId: string) => {
      let step = await nightService.start({ carrier: 'cli', carrierCallId, from: acme.phones[0]!, to: '+441632960000', at: night });
      for (const digits of [acme.pin, '1', '1']) step = await nightService.feed(step.callId, { type: 'input', digits }, night);
      const dial = step.commands.find((c) => c.kind === 'dialEngineer');
      if (dial?.kind !== 'dialEngineer') throw new Error('expected an engineer to be rung');
      return { callId: step.callId, engineerId: dial.engineer.engineerId };
    };
    const first = await ringUntilDial('cli-overlap-1');
    const second = await nightService.feed(first.callId, { type: 'engineerResult', engineerId: first.engineerId, outcome: 'no_answer' }, night);
    const colleague = second.commands.find((c) => c.kind === 'dialEngineer');
    if (colleague?.kind !== 'dialEngineer') throw new Error('expected the next engineer');
    await nightService.feed(first.callId, { type: 'engineerResult', engineerId: colleague.engineer.engineerId, outcome: 'accepted' }, night);

    const next = await ringUntilDial('cli-overlap-2');
    expect(next.engineerId).toBe(first.engineerId);
  });

  it('does not let callers who withhold their number share one PIN lockout', async () => {
    const byNumber = (n: string) => demo.accounts.find((x) => x.number === n)!;
    const s = service();
    const tryPins = async (carrierCallId: string, account: string, pins: string[]) => {
      const step = await s.start({ carrier: 'cli', carrierCallId, from: 'anonymous', to: '+441632960000', at: AT });
      let last = await s.feed(step.callId, { type: 'input', digits: account }, AT);
      for (const pin of pins) {
        last = await s.feed(step.callId, { type: 'input', digits: pin }, AT);
        if (last.ended) break;
        last = await s.feed(step.callId, { type: 'input', digits: account }, AT);
      }
      return last;
    };
    await tryPins('cli-withheld-1', '10002', ['0000', '0001', '0002']);
    await tryPins('cli-withheld-2', '10007', ['0000', '0001']);
    const castle = byNumber('10003');
    const step = await s.start({ carrier: 'cli', carrierCallId: 'cli-withheld-3', from: 'anonymous', to: '+441632960000', at: AT });
    await s.feed(step.callId, { type: 'input', digits: castle.number }, AT);
    const afterPin = await s.feed(step.callId, { type: 'input', digits: castle.pin }, AT);
    const said = JSON.stringify(afterPin.commands);
    expect(said).toContain('main-menu');
    expect(said).not.toContain('pin-locked');
  });
  it('looks up the dialled number while the closures and announcements are being read, not after them', async () => {
    const pg = pgCallRecords(fresh.db);
    let dialledAsked = false;
    let askedBeforeClosuresAnswered: boolean | null = null;
    const watched: CallRecords = {
      ...pg,
      async closuresAround(at) {
        const closures = await pg.closuresAround(at);
        askedBeforeClosuresAnswered = dialledAsked;
        return closures;
      },
      dialledProfile(to) {
        dialledAsked = true;
        return pg.dialledProfile(to);
      },
    };
    const step = await service(watched).start({ carrier: 'twilio', carrierCallId: 'CA-side-by-side', from: '+447700900999', to: '+441632960000', at: AT });
    expect(step.commands.length).toBeGreaterThan(0);
    expect(askedBeforeClosuresAnswered).toBe(true);
  });
});
