// Critical key → first engineer's phone ringing, over the simulated Twilio with the
// REST API (TWILIO_RING_FIRST): a Cat4 customer at 03:00 keys the PIN, 1 for a fault
// and 1 for critical; the clock starts as the critical key's webhook goes out and
// stops when the line's calls.create for the engineer reaches Twilio's API. One call
// at a time (an engineer is rung for one escalated call at once). Wall-clock ms.
import { randomBytes } from 'node:crypto';
import { openRedisLiveStore } from '../../src/store/live/redis.ts';
import { freshDatabase } from '../../test/support/db.ts';
import { CUSTOMERS, ENGINEERS, seedTwilioFixture } from '../../test/support/fake-twilio/fixture.ts';
import { startTwilioLine } from '../../test/support/fake-twilio/line.ts';
import { deleteKeys } from '../line/stores.ts';

const NIGHT = '2026-11-18T03:00:00Z';

export interface TwilioRingFirstResult {
  calls: number;
  samples: number[];
  failures: string[];
}

export async function measureTwilioRingFirst(redisUrl: string, calls: number): Promise<TwilioRingFirstResult> {
  // The fixture's PINs are hashed under the keys this process runs with (the bench's,
  // set once in bench/run.ts): the PIN keys are process-wide, and the line processes of
  // the sections after this one hash and check under the bench key.
  const fresh = await freshDatabase();
  const prefix = `sl:bench:ring:${randomBytes(4).toString('hex')}:`;
  const live = await openRedisLiveStore(redisUrl, { prefix });
  const samples: number[] = [];
  const failures: string[] = [];
  try {
    await seedTwilioFixture(fresh.db, { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' });
    const line = await startTwilioLine({ db: fresh.db, live, at: NIGHT, rest: true });
    const { cat4 } = CUSTOMERS;
    const { sam } = ENGINEERS;
    let ringAt: number | null = null;
    const request = line.api.request.bind(line.api);
    line.api.request = async (opts) => {
      if (ringAt === null && opts.uri.endsWith('/Calls.json')) ringAt = performance.now();
      return request(opts);
    };
    try {
      for (let i = 0; i < calls; i += 1) {
        line.sim.engineer(sam.phone).answers().presses('1');
        let keyAt = 0;
        ringAt = null;
        const caller = line.sim.call({ from: cat4.phone });
        try {
          await caller
            .presses(`${cat4.pin}#`)
            .presses('1')
            .check(() => {
              keyAt = performance.now();
            })
            .presses('1')
            .isConnectedTo(sam.phone)
            .hangsUp();
          if (ringAt === null) failures.push('the engineer was never rung');
          else samples.push(ringAt - keyAt);
        } catch (err) {
          failures.push((err as Error).message.split('\n')[0] ?? 'failed');
        }
      }
    } finally {
      await line.close();
    }
  } finally {
    await live.close();
    await deleteKeys(redisUrl, prefix);
    await fresh.drop();
  }
  return { calls, samples, failures };
}
