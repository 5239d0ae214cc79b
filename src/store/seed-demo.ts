// Demo data: an account for every kind of caller the line treats differently, engineers
// with a rota for the next 30 days, and this year's Christmas shutdown. Phone numbers are
// from Ofcom's drama ranges (01632 960xxx, 07700 900xxx), which are never allocated.
import { randomInt } from 'node:crypto';
import { DateTime } from 'luxon';
import type { AccountStatus, Tier } from '../domain/contracts.ts';
import { addAccount } from './accounts.ts';
import { addClosure, type ClosureRecord } from './closures.ts';
import type { Db } from './db.ts';
import { addEngineer, type EngineerRecord } from './engineers.ts';
import { addLineNumber, type LineNumber } from './line-numbers.ts';
import { addShift } from './rota.ts';

const ZONE = 'Europe/London';
const SEED_LOCK_KEY = '91587718244211'; // one seeding at a time (next to the migration key)
const ROTA_DAYS = 30;

export interface DemoAccount {
  id: string;
  number: string;
  name: string;
  tier: Tier;
  status: AccountStatus;
  startsOn: string;
  endsOn: string | null;
  /** E.164. */
  phones: string[];
  /** The voice PIN in clear, to print once: only its hash is stored. */
  pin: string;
  /** Why this account is in the demo. */
  shows: string;
}

export interface DemoSeed {
  /** False when accounts already existed and nothing was written. */
  created: boolean;
  accounts: DemoAccount[];
  engineers: EngineerRecord[];
  shifts: number;
  closures: ClosureRecord[];
  numbers: LineNumber[];
}

interface AccountPlan {
  number: string;
  name: string;
  tier: Tier;
  status: AccountStatus;
  phones: string[];
  /** Contract dates relative to today, in days; `ends` null = open-ended. */
  starts: number;
  ends: number | null;
  shows: string;
}

const ACCOUNTS: AccountPlan[] = [
  { number: '10001', name: 'Acme Dental', tier: 'Cat4', status: 'active', phones: ['+441632960001', '+447700900101'], starts: -365, ends: null, shows: '24-hour cover: out of hours reaches the on-call engineer' },
  { number: '10002', name: 'Bramble Solicitors', tier: 'Cat2', status: 'active', phones: ['+441632960002'], starts: -200, ends: null, shows: 'extended hours 07:00–23:00, 4-hour response' },
  { number: '10003', name: 'Castle Veterinary Practice', tier: 'Cat1', status: 'active', phones: ['+441632960003'], starts: -100, ends: 265, shows: 'office hours, 8 working hours response' },
  { number: '10004', name: 'Dunmore Garage', tier: 'CatS', status: 'active', phones: ['+441632960004'], starts: -50, ends: null, shows: 'ad hoc: asked to accept the call-out charge' },
  { number: '10005', name: 'Elm Street Café', tier: 'None', status: 'active', phones: ['+441632960005'], starts: -30, ends: null, shows: 'no support contract' },
  { number: '10006', name: 'Fenwick Builders', tier: 'Cat4', status: 'suspended', phones: ['+441632960006'], starts: -400, ends: null, shows: 'suspended account: treated as no contract' },
  { number: '10007', name: 'Greenway Florists', tier: 'Cat1', status: 'active', phones: ['+441632960007'], starts: -730, ends: -30, shows: 'contract lapsed a month ago: treated as no contract' },
];

/** Demo contract fees before VAT; a real operator records each contract's own. */
const MONTHLY_FEE_PENCE: Partial<Record<Tier, number>> = { Cat1: 6_000, Cat2: 12_000, Cat4: 25_000 };
/** Demo service credit rules: a share of the monthly fee per breach, capped each month. */
const DEMO_CREDIT_RULES = [
  { tier: 'Cat1', percent: 5, cap: 25 },
  { tier: 'Cat2', percent: 10, cap: 25 },
  { tier: 'Cat4', percent: 15, cap: 50 },
] as const;

/**
 * The line's numbers (seed 004: Cat4 customers have their own 24-hour 0800 number). The
 * main number is the dialplan's LINE_CALLER_ID; 0808 157 0xxx is Ofcom's freephone drama range.
 */
const LINE_NUMBERS = [
  { number: '+441632960000', profile: 'main', label: 'Support line' },
  { number: '+448081570024', profile: 'cat4_24h', label: 'Cat4 24-hour support' },
  { number: '+441632960010', profile: 'billing', label: 'Accounts and billing' },
] as const;

const ENGINEERS = [
  { name: 'Priya Shah', phone: '+447700900201', email: 'priya.shah@example.com' },
  { name: 'Tom Hughes', phone: '+447700900202', email: 'tom.hughes@example.com' },
  { name: 'Aisha Khan', phone: '+447700900203', email: 'aisha.khan@example.com' },
];
const MANAGER = { name: 'Gareth Jones', phone: '+447700900204', email: 'gareth.jones@example.com' };

/** Writes the demo data unless there are accounts already. */
export async function seedDemo(db: Db, now: Date): Promise<DemoSeed> {
  const local = DateTime.fromJSDate(now, { zone: ZONE });
  const today = local.startOf('day');
  return db.tx(async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1::bigint)', [SEED_LOCK_KEY]);
    const [existing] = await tx.query('select 1 from accounts limit 1');
    if (existing) return { created: false, accounts: [], engineers: [], shifts: 0, closures: [], numbers: [] };

    const accounts: DemoAccount[] = [];
    for (const plan of ACCOUNTS) {
      const pin = String(randomInt(0, 10_000)).padStart(4, '0');
      const startsOn = today.plus({ days: plan.starts }).toISODate()!;
      const endsOn = plan.ends === null ? null : today.plus({ days: plan.ends }).toISODate()!;
      const account = await addAccount(tx, {
        number: plan.number,
        name: plan.name,
        pin,
        phones: plan.phones,
        tier: plan.tier,
        startsOn,
        endsOn,
        status: plan.status,
      });
      const fee = MONTHLY_FEE_PENCE[plan.tier];
      if (fee !== undefined) await tx.query('update contracts set monthly_fee_pence = $2 where account_id = $1', [account.id, fee]);
      accounts.push({ id: account.id, number: plan.number, name: plan.name, tier: plan.tier, status: plan.status,
        startsOn, endsOn, phones: account.phones, pin, shows: plan.shows });
    }

    for (const r of DEMO_CREDIT_RULES) {
      await tx.query(
        `insert into service_credit_rules (tier, basis, percent, monthly_cap_percent, updated_at, updated_by)
         values ($1, 'percent', $2, $3, $4, 'demo') on conflict (tier) do nothing`,
        [r.tier, r.percent, r.cap, now],
      );
    }

    const engineers: EngineerRecord[] = [];
    for (const e of [...ENGINEERS, MANAGER]) engineers.push(await addEngineer(tx, e));
    const team = engineers.slice(0, ENGINEERS.length);
    const manager = engineers[engineers.length - 1]!;

    // Weekly shifts handing over on Monday at 09:00 UK time, from the handover before
    // now until past the next 30 days; the secondary is the next primary in turn.
    let handover = local.startOf('week').set({ hour: 9 });
    if (handover > local) handover = handover.minus({ weeks: 1 });
    const rotaStart = handover;
    const rotaEnd = local.plus({ days: ROTA_DAYS });
    let shifts = 0;
    for (let week = 0; handover < rotaEnd; week++, handover = handover.plus({ weeks: 1 })) {
      const from = handover.toJSDate();
      const to = handover.plus({ weeks: 1 }).toJSDate();
      const primary = team[week % team.length]!;
      const secondary = team[(week + 1) % team.length]!;
      await addShift(tx, { engineerId: primary.id, level: 'primary', from, to });
      await addShift(tx, { engineerId: secondary.id, level: 'secondary', from, to });
      shifts += 2;
    }
    await addShift(tx, { engineerId: manager.id, level: 'manager', from: rotaStart.toJSDate(), to: handover.toJSDate() });
    shifts += 1;

    const christmas = await addClosure(tx, {
      from: DateTime.fromObject({ year: local.year, month: 12, day: 24, hour: 12 }, { zone: ZONE }).toJSDate(),
      to: DateTime.fromObject({ year: local.year + 1, month: 1, day: 2, hour: 9 }, { zone: ZONE }).toJSDate(),
      reason: 'Christmas shutdown',
      createdBy: 'seed',
    });

    const numbers: LineNumber[] = [];
    for (const n of LINE_NUMBERS) {
      const [taken] = await tx.query('select 1 from line_numbers where number = $1', [n.number]);
      if (!taken) numbers.push(await addLineNumber(tx, n));
    }

    return { created: true, accounts, engineers, shifts, closures: [christmas], numbers };
  });
}
