// The rota as a timeline: for each level, the stretches of a window in which the
// same people are on call, as the escalation would ring them (an override displaces
// the ordinary shift of its level while it runs). Pure: shifts and a window in,
// lanes of segments out; the console draws them, the API returns them.
import { onCallAt, ROTA_LEVELS, type RotaLevel, type RotaShift } from './escalation.ts';

export interface CoverSegment {
  from: Date;
  /** Exclusive. */
  to: Date;
  engineerIds: string[];
  /** Covered by an override rather than the ordinary rota. */
  override: boolean;
}

export type CoverLanes = Record<RotaLevel, CoverSegment[]>;

/**
 * Who covers each level across [from, to). Shifts of engineers not in
 * `activeEngineers` (when given) are left out: the escalation skips them. Stretches
 * with nobody at a level are absent; touching stretches with the same people merge.
 */
export function coverLanes(shifts: readonly RotaShift[], from: Date, to: Date, activeEngineers?: ReadonlySet<string>): CoverLanes {
  const start = from.getTime();
  const end = to.getTime();
  const lanes: CoverLanes = { primary: [], secondary: [], manager: [] };
  if (!(end > start)) return lanes;
  const counted = shifts.filter((s) => !activeEngineers || activeEngineers.has(s.engineerId));
  const cuts = new Set<number>([start, end]);
  for (const s of counted) {
    for (const t of [s.startsAt.getTime(), s.endsAt.getTime()]) if (t > start && t < end) cuts.add(t);
  }
  const points = [...cuts].sort((a, b) => a - b);
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    const on = onCallAt(counted, new Date(a));
    for (const level of ROTA_LEVELS) {
      const covering = on[level];
      if (covering.length === 0) continue;
      const ids = [...new Set(covering.map((s) => s.engineerId))];
      const override = covering.some((s) => s.isOverride);
      const lane = lanes[level];
      const last = lane.at(-1);
      if (last && last.to.getTime() === a && last.override === override && sameIds(last.engineerIds, ids)) {
        last.to = new Date(b);
      } else {
        lane.push({ from: new Date(a), to: new Date(b), engineerIds: ids, override });
      }
    }
  }
  return lanes;
}

function sameIds(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
