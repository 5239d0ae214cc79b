// A recent copy of what routing a call needs — accounts (caller IDs, PIN hashes,
// contracts), office closures and the on-call rota — so a call can be identified,
// authenticated and routed while Postgres is away. Loaded whole (a support line's
// customers and rota fit in memory), answered the way the repositories answer.
import type { RotaEngineer, RotaShift } from '../domain/escalation.ts';
import type { ClosureWindow } from '../domain/flow/types.ts';
import type { AccountForPin } from '../calls/records.ts';
import type { AccountStatus, Tier } from '../domain/contracts.ts';
import type { Db } from '../store/db.ts';
import { listClosures } from '../store/closures.ts';
import { listEngineers } from '../store/engineers.ts';
import { listShifts } from '../store/rota.ts';

/** The rota is kept for this long either side of the load, so a copy a few hours old still routes. */
const ROTA_BEHIND_MS = 24 * 3600_000;
const ROTA_AHEAD_MS = 7 * 24 * 3600_000;
/** Matches the window src/calls/pg-records.ts looks up closures in, plus the rota's margin. */
const CLOSURES_BEHIND_MS = 2 * 24 * 3600_000;
const CLOSURES_AHEAD_MS = 130 * 24 * 3600_000;
const CLOSURE_LOOKBACK_MS = 24 * 3600_000;
const CLOSURE_LOOKAHEAD_MS = 120 * 24 * 3600_000;

export interface RoutingSnapshot {
  loadedAt: Date;
  /** E.164 → account number. */
  phones: Map<string, string>;
  /** Account number → what a PIN check needs. */
  accounts: Map<string, AccountForPin>;
  closures: { from: Date; to: Date; reason: string }[];
  shifts: RotaShift[];
  engineers: Map<string, RotaEngineer>;
}

export async function loadSnapshot(db: Db, now: Date): Promise<RoutingSnapshot> {
  const [accountRows, contractRows, phoneRows, closures, shifts, engineers] = await Promise.all([
    db.query<{ id: string; number: string; name: string; pin_hash: string; status: AccountStatus }>(
      'select id, number, name, pin_hash, status from accounts',
    ),
    db.query<{ account_id: string; tier: Tier; starts_on: string; ends_on: string | null }>(
      'select account_id, tier, starts_on, ends_on from contracts order by starts_on, id',
    ),
    db.query<{ phone: string; account_id: string }>('select phone, account_id from account_phones'),
    listClosures(db, { from: new Date(now.getTime() - CLOSURES_BEHIND_MS), to: new Date(now.getTime() + CLOSURES_AHEAD_MS) }),
    listShifts(db, { from: new Date(now.getTime() - ROTA_BEHIND_MS), to: new Date(now.getTime() + ROTA_AHEAD_MS) }),
    listEngineers(db),
  ]);
  const byId = new Map<string, AccountForPin>();
  for (const a of accountRows) {
    byId.set(a.id, { id: a.id, number: a.number, name: a.name, pinHash: a.pin_hash, status: a.status, contracts: [] });
  }
  for (const c of contractRows) byId.get(c.account_id)?.contracts.push({ tier: c.tier, startsOn: c.starts_on, endsOn: c.ends_on });
  const phones = new Map<string, string>();
  for (const p of phoneRows) {
    const account = byId.get(p.account_id);
    if (account) phones.set(p.phone, account.number);
  }
  return {
    loadedAt: now,
    phones,
    accounts: new Map([...byId.values()].map((a) => [a.number, a])),
    closures: closures.map((c) => ({ from: c.from, to: c.to, reason: c.reason })),
    shifts: shifts.map((s) => ({ engineerId: s.engineerId, level: s.level, startsAt: s.startsAt, endsAt: s.endsAt, isOverride: s.isOverride })),
    engineers: new Map(
      engineers.map((e) => [e.id, { id: e.id, name: e.name, phone: e.phone, dialTarget: e.dialTarget, active: e.active }]),
    ),
  };
}

/** As src/calls/pg-records.ts `closuresAround`. */
export function closuresAround(snapshot: RoutingSnapshot, at: Date): ClosureWindow[] {
  const from = at.getTime() - CLOSURE_LOOKBACK_MS;
  const to = at.getTime() + CLOSURE_LOOKAHEAD_MS;
  return snapshot.closures
    .filter((c) => c.to.getTime() > from && c.from.getTime() < to)
    .sort((a, b) => a.from.getTime() - b.from.getTime())
    .map((c) => ({ from: c.from.toISOString(), to: c.to.toISOString(), reason: c.reason }));
}

/** As src/store/rota.ts `shiftsAt` (active engineers, shifts covering `at`, in the same order). */
export function rotaAt(snapshot: RoutingSnapshot, at: Date): { shifts: RotaShift[]; engineers: RotaEngineer[] } {
  const t = at.getTime();
  const level = { primary: 0, secondary: 1, manager: 2 } as const;
  const shifts = snapshot.shifts
    .filter((s) => s.startsAt.getTime() <= t && t < s.endsAt.getTime() && snapshot.engineers.get(s.engineerId)?.active)
    .sort(
      (a, b) =>
        level[a.level] - level[b.level] ||
        Number(b.isOverride) - Number(a.isOverride) ||
        a.startsAt.getTime() - b.startsAt.getTime(),
    );
  const engineers = new Map<string, RotaEngineer>();
  for (const s of shifts) {
    const e = snapshot.engineers.get(s.engineerId);
    if (e) engineers.set(e.id, e);
  }
  return { shifts, engineers: [...engineers.values()] };
}
