// The demo seed: the callers a demo needs, a rota with nobody missing for 30 days,
// and this year's Christmas shutdown; seeding again changes nothing.
import { describe, expect, it } from 'vitest';
import { effectiveTier } from '../../src/domain/contracts.ts';
import { findAccountForPin, findAccountNumberByPhone } from '../../src/store/accounts.ts';
import type { Db } from '../../src/store/db.ts';
import { verifyPin } from '../../src/store/pin-hash.ts';
import { listClosures } from '../../src/store/closures.ts';
import { shiftsAt } from '../../src/store/rota.ts';
import { seedDemo } from '../../src/store/seed-demo.ts';
import { freshDatabase, useFreshDatabase } from '../support/db.ts';

const fresh = useFreshDatabase();
const NOW = new Date('2026-11-21T07:10:00Z'); // a Saturday morning, GMT

describe('demo seed', () => {
  it('seeds once: callers of every kind, four engineers, a rota and a closure; then nothing', async () => {
    const [first, again] = await Promise.all([seedDemo(fresh.db, NOW), seedDemo(fresh.db, NOW)]);
    const [created, skipped] = first!.created ? [first!, again!] : [again!, first!];
    expect(skipped).toEqual({ created: false, accounts: [], engineers: [], shifts: 0, closures: [], numbers: [] });
    expect(created.created).toBe(true);
    expect(created.engineers).toHaveLength(4);
    expect(created.closures).toHaveLength(1);
    // Seed 004: the main support number, Cat4 customers' own 24-hour 0800 number, billing.
    expect(created.numbers.map((n) => n.profile)).toEqual(['main', 'cat4_24h', 'billing']);

    // What each account counts as today, which is what the line routes on.
    const today = '2026-11-21';
    const tiers: Record<string, string> = {};
    for (const account of created.accounts) {
      const forPin = await findAccountForPin(fresh.db, account.number);
      tiers[account.number] = effectiveTier(forPin!.status, forPin!.contracts, today);
      expect((await verifyPin(account.pin, forPin!.pinHash)).ok).toBe(true);
      for (const phone of account.phones) expect(await findAccountNumberByPhone(fresh.db, phone)).toBe(account.number);
    }
    expect(tiers).toEqual({
      '10001': 'Cat4',
      '10002': 'Cat2',
      '10003': 'Cat1',
      '10004': 'CatS',
      '10005': 'None',
      '10006': 'None', // suspended Cat4
      '10007': 'None', // lapsed Cat1
    });
    expect(created.accounts.find((a) => a.number === '10001')!.phones).toHaveLength(2);
    expect(created.accounts.every((a) => /^\d{4}$/.test(a.pin))).toBe(true);

    expect(await seedDemo(fresh.db, NOW)).toMatchObject({ created: false });
  });

  it('has a primary, a secondary and a manager on call at every hour of the next 30 days', async () => {
    await seedDemo(fresh.db, NOW); // seeded by whichever test runs first
    expect(await hoursWithout(fresh.db, NOW)).toEqual([]);
    const saturdayNight = await shiftsAt(fresh.db, new Date('2026-11-22T02:00:00Z'));
    expect(saturdayNight.map((s) => s.level)).toEqual(['primary', 'secondary', 'manager']);
  });

  it("closes for Christmas from noon on Christmas Eve to 9 o'clock on 2 January", async () => {
    await seedDemo(fresh.db, NOW);
    const [christmas] = await listClosures(fresh.db, { from: new Date('2026-12-25T00:00:00Z') });
    expect(christmas).toMatchObject({
      reason: 'Christmas shutdown',
      from: new Date('2026-12-24T12:00:00Z'), // GMT: UK local time is UTC
      to: new Date('2027-01-02T09:00:00Z'),
    });
  });

  it('hands over at 09:00 UK time in summer too (08:00 UTC)', async () => {
    const summer = await freshDatabase();
    const db = summer.db;
    try {
      const july = new Date('2026-07-08T12:00:00Z'); // a Wednesday, BST
      await seedDemo(db, july);
      const handovers = await db.query<{ starts_at: Date }>(
        "select distinct starts_at from rota_shifts where level = 'primary' order by starts_at",
      );
      expect(handovers[0]!.starts_at).toEqual(new Date('2026-07-06T08:00:00Z'));
      expect(await hoursWithout(db, july)).toEqual([]);
    } finally {
      await summer.drop();
    }
  });
});

/** Hours from `from` over 30 days lacking someone at any of the three levels. */
async function hoursWithout(db: Db, from: Date): Promise<string[]> {
  const rows = await db.query<{ hour: Date }>(
    `select h.hour from generate_series($1::timestamptz, $1::timestamptz + interval '30 days', interval '1 hour') as h(hour)
      where (select count(distinct s.level) from rota_shifts s where s.starts_at <= h.hour and s.ends_at > h.hour) < 3`,
    [from],
  );
  return rows.map((r) => r.hour.toISOString());
}
