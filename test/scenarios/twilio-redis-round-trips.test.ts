// What one Twilio key press costs Redis, counted on the wire: every write the line's
// ioredis connection makes to its socket (a pipeline is one write) and every command in
// it, while the simulated Twilio's webhook for the key is answered. A key the flow
// answers alone (the main menu's 1) is one round trip: the session, its answer and the
// console's update swapped in one script, with no read before it. A PIN key is two: its
// step claimed and its attempt reserved in one script on the session this instance last
// wrote, then the right PIN's settlement with the session's put. A critical key is three
// (the claim with the read, the engineer's lock, the put); ringing the engineer first adds
// one: the ring's once claim goes in the put, its answer is swapped into the session.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CallRecords } from '../../src/calls/records.ts';
import { pgCallRecords } from '../../src/calls/pg-records.ts';
import { PROMPTS } from '../../src/domain/prompts.ts';
import { callTimeline, findCallByCarrierId } from '../../src/store/calls.ts';
import type { Db } from '../../src/store/db.ts';
import { RedisLiveStore } from '../../src/store/live/redis.ts';
import { useFreshDatabase } from '../support/db.ts';
import { REDIS_URL } from '../support/env.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../support/fake-twilio/fixture.ts';
import { startTwilioLine, type TwilioLine } from '../support/fake-twilio/line.ts';
import { keysUnder } from '../support/redis.ts';

const fresh = useFreshDatabase();
const OFFICE = '2026-11-18T10:00:00Z';
const NIGHT = '2026-11-18T03:00:00Z';
const { cat1, cat4 } = CUSTOMERS;
const { sam } = ENGINEERS;

/** The line's Redis connection, counting what it sends. */
class CountedRedis {
  writes = 0;
  commands: string[] = [];
  readonly prefix = `sl:test:${randomBytes(6).toString('hex')}:`;
  readonly redis = new Redis(REDIS_URL, { lazyConnect: true });
  readonly store = new RedisLiveStore(this.redis, { prefix: this.prefix });

  async connect(): Promise<void> {
    await this.redis.connect();
    const stream = this.redis.stream;
    const write = stream.write.bind(stream) as (...args: unknown[]) => boolean;
    stream.write = ((...args: unknown[]) => {
      this.writes += 1;
      return write(...args);
    }) as typeof stream.write;
    const send = this.redis.sendCommand.bind(this.redis);
    this.redis.sendCommand = ((...args: Parameters<typeof send>) => {
      this.commands.push(args[0].name);
      return send(...args);
    }) as typeof send;
  }

  reset(): void {
    this.writes = 0;
    this.commands = [];
  }

  async close(): Promise<void> {
    await this.store.close();
    const cleaner = new Redis(REDIS_URL);
    const keys = await keysUnder(this.prefix);
    if (keys.length > 0) await cleaner.del(...keys);
    cleaner.disconnect();
  }
}

let counted: CountedRedis;
let line: TwilioLine | undefined;
beforeAll(async () => {
  await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
  counted = new CountedRedis();
  await counted.connect();
});
afterEach(async () => {
  await line?.close();
  line = undefined;
});
afterAll(async () => {
  await counted?.close();
});

/** What each webhook the simulator sends cost Redis, in order. */
function perWebhook(l: TwilioLine): { url: string; writes: number; commands: string[] }[] {
  const costs: { url: string; writes: number; commands: string[] }[] = [];
  const send = l.sim.send.bind(l.sim);
  l.sim.send = async (url, params, opts) => {
    counted.reset();
    const sent = await send(url, params, opts);
    costs.push({ url, writes: counted.writes, commands: counted.commands });
    return sent;
  };
  return costs;
}

describe('a Twilio key press and Redis', () => {
  it('a menu key is one round trip: one script, no read before it', async () => {
    line = await startTwilioLine({ db: fresh.db, live: counted.store, at: OFFICE });
    const costs = perWebhook(line);
    const caller = line.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question');

    const gathers = costs.filter((c) => new URL(c.url).searchParams.get('on') === 'gather');
    expect(gathers).toHaveLength(2);
    const menu = gathers[1]!;
    expect(menu.writes).toBe(1);
    expect(menu.commands).toEqual(['eval']);
    await caller.hangsUp();
  });

  it('a PIN key is two round trips: the step claimed with its attempt reserved, then the settlement with the session and its update', async () => {
    line = await startTwilioLine({ db: fresh.db, live: counted.store, at: OFFICE });
    const costs = perWebhook(line);
    const caller = line.sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses('0000#').hears('not-verified', 'enter-pin').presses(`${cat1.pin}#`).hears('main-menu');

    const [wrong, right] = costs.filter((c) => new URL(c.url).searchParams.get('on') === 'gather');
    // Was 4: the session read with the step's claim, the reservation, the settlement, the put with its update.
    expect(right!.writes).toBe(2);
    expect(right!.commands).toEqual(['eval', 'eval', 'set', 'publish']);
    // A wrong PIN's count says whether it locked, which the flow needs before the put: 3 (was 4).
    expect(wrong!.writes).toBe(3);
    expect(wrong!.commands).toEqual(['eval', 'eval', 'set', 'publish']);
    await caller.hangsUp();
  });

  it('a critical key: the step claimed, the engineer locked, the put; ringing first adds the ring claimed once and its answer swapped in', async () => {
    for (const rest of [false, true]) {
      line = await startTwilioLine({ db: fresh.db, live: counted.store, at: NIGHT, rest });
      const costs = perWebhook(line);
      line.sim.engineer(sam.phone).answers({ afterSeconds: 4 }).presses('1');
      const caller = line.sim.call({ from: cat4.phone });
      await caller.hears('greeting', 'enter-pin').presses(`${cat4.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question').presses('1').isConnectedTo(sam.phone).hangsUp();

      const critical = costs.find((c) => new URL(c.url).searchParams.get('purpose') === 'critical')!;
      const step = ['eval', 'eval', 'set', 'publish'];
      if (!rest) {
        expect(critical.writes).toBe(3);
        expect(critical.commands).toEqual(step);
      } else {
        // Was 6: the ring's own claim, then its answer read and put (GET, SET). Now the ring is
        // claimed in the step's put (one EVAL more in that pipeline) and its answer swapped in.
        expect(critical.writes).toBe(4);
        expect(critical.commands).toEqual(['eval', 'eval', 'eval', 'set', 'publish', 'eval']);
      }
      await line.close();
      line = undefined;
    }
  });

  it('a key Twilio delivers twice is answered the same, the second time without Redis', async () => {
    line = await startTwilioLine({ db: fresh.db, live: counted.store, at: OFFICE });
    const costs = perWebhook(line);
    const { sim } = line;
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu').presses('1').hears('fault-critical-question');
    const menu = [...sim.webhooks].reverse().find((w) => w.url.includes('on=gather'));
    if (!menu) throw new Error('no menu webhook');
    expect((await sim.replay(menu)).body).toBe(menu.body);
    expect(costs.at(-1)?.writes).toBe(0);
    await caller.hangsUp();
  });

  it("a key whose timeline cannot be written after its session was: the session is put back and the step given back, so Twilio's retry runs it", async () => {
    let failNext = false;
    const records = (db: Db): CallRecords => {
      const inner = pgCallRecords(db);
      return {
        ...inner,
        async appendTimeline(entries) {
          if (failNext) {
            failNext = false;
            throw new Error('Postgres refused the write');
          }
          return inner.appendTimeline(entries);
        },
      };
    };
    line = await startTwilioLine({ db: fresh.db, live: counted.store, at: OFFICE, records });
    const { sim } = line;
    const caller = sim.call({ from: cat1.phone });
    await caller.hears('enter-pin').presses(`${cat1.pin}#`).hears('main-menu');
    failNext = true;
    await caller.presses('1').hears('connecting-desk');
    const menu = [...sim.webhooks].reverse().find((w) => w.url.includes('on=gather'));
    if (!menu) throw new Error('no menu webhook');
    const call = await findCallByCarrierId(fresh.db, 'twilio', caller.callSid);
    expect((await line.calls.snapshot(call!.id))?.phase).toBe('menu');
    const step = new URL(menu.url).searchParams.get('step');
    expect(await keysUnder(`${counted.prefix}lock:step:${call!.id}:${caller.callSid}:${step}`)).toEqual([]);

    const retried = await sim.replay(menu);
    expect(retried.body).toContain(PROMPTS['fault-critical-question']);
    const timeline = await callTimeline(fresh.db, call!.id);
    expect(timeline.filter((e) => e.type === 'keys')).toHaveLength(2);
    expect(timeline.map((e) => e.seq)).toEqual([...timeline.map((e) => e.seq)].sort((a, b) => a - b));
    await caller.hangsUp();
  });
});
