// Gaps in Cat4 cover: stretches of time when no primary engineer is on call, so a
// 24-hour customer's critical call at 3am would find nobody first in line. Pure:
// the rota and the window in, the uncovered stretches out.
import type { RotaShift } from './escalation.ts';

export interface CoverGap {
  from: Date;
  /** Exclusive. */
  to: Date;
}

/**
 * The stretches of [from, to) with no primary shift in force. Shifts of engineers
 * not in `activeEngineers` (when given) do not count: the escalation skips them.
 * Touching shifts (one ends as the next starts) leave no gap.
 */
export function primaryCoverGaps(
  shifts: readonly RotaShift[],
  from: Date,
  to: Date,
  activeEngineers?: ReadonlySet<string>,
): CoverGap[] {
  const start = from.getTime();
  const end = to.getTime();
  if (!(end > start)) return [];
  const covered = shifts
    .filter((s) => s.level === 'primary' && (!activeEngineers || activeEngineers.has(s.engineerId)))
    .map((s) => [Math.max(s.startsAt.getTime(), start), Math.min(s.endsAt.getTime(), end)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);

  const gaps: CoverGap[] = [];
  let cursor = start;
  for (const [a, b] of covered) {
    if (a > cursor) gaps.push({ from: new Date(cursor), to: new Date(a) });
    cursor = Math.max(cursor, b);
    if (cursor >= end) break;
  }
  if (cursor < end) gaps.push({ from: new Date(cursor), to: new Date(end) });
  return gaps;
}
