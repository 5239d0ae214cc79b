// Gaps in Cat4 cover: when nobody is primary on call, a 3am critical call has
// nobody first in line. Read as a rota a supervisor would draw.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RotaShift } from '../../src/domain/escalation.ts';
import { primaryCoverGaps } from '../../src/domain/rota-gaps.ts';

const at = (s: string) => new Date(`2026-11-${s}:00Z`);
const shift = (engineerId: string, from: string, to: string, level: RotaShift['level'] = 'primary', isOverride = false): RotaShift => ({
  engineerId,
  level,
  startsAt: at(from),
  endsAt: at(to),
  isOverride,
});
const gaps = (shifts: RotaShift[], from = '23T09:00', to = '30T09:00', active?: Set<string>) =>
  primaryCoverGaps(shifts, at(from), at(to), active).map((g) => [g.from.toISOString().slice(8, 16), g.to.toISOString().slice(8, 16)]);

describe('primary cover over the next days', () => {
  it('a week of back-to-back primaries leaves no gap', () => {
    expect(gaps([shift('priya', '23T09:00', '30T09:00')])).toEqual([]);
    expect(gaps([shift('priya', '16T09:00', '23T09:00'), shift('tom', '23T09:00', '30T09:00')], '20T00:00', '30T09:00')).toEqual([]);
  });

  it('a weekend with no primary is one gap, from Friday evening to Monday morning', () => {
    expect(gaps([shift('priya', '23T09:00', '27T18:00'), shift('tom', '30T09:00', '30T17:00')], '23T09:00', '30T17:00')).toEqual([['27T18:00', '30T09:00']]);
  });

  it('a rota that starts late and ends early leaves gaps at both ends', () => {
    expect(gaps([shift('priya', '24T00:00', '29T00:00')])).toEqual([
      ['23T09:00', '24T00:00'],
      ['29T00:00', '30T09:00'],
    ]);
  });

  it('secondaries and managers do not cover for a missing primary', () => {
    expect(gaps([shift('tom', '23T09:00', '30T09:00', 'secondary'), shift('gareth', '23T09:00', '30T09:00', 'manager')])).toEqual([['23T09:00', '30T09:00']]);
  });

  it('an override fills the hole in the regular rota', () => {
    expect(gaps([shift('priya', '23T09:00', '26T09:00'), shift('aisha', '26T09:00', '27T09:00', 'primary', true), shift('priya', '27T09:00', '30T09:00')])).toEqual([]);
  });

  it('overlapping shifts count once, however they overlap', () => {
    expect(gaps([shift('priya', '23T09:00', '27T09:00'), shift('tom', '25T09:00', '26T09:00'), shift('aisha', '26T00:00', '30T09:00')])).toEqual([]);
  });

  it('the shift of an engineer no longer active does not count', () => {
    expect(gaps([shift('priya', '23T09:00', '30T09:00')], '23T09:00', '30T09:00', new Set(['tom']))).toEqual([['23T09:00', '30T09:00']]);
  });

  it('an empty window has no gaps; an empty rota is one gap', () => {
    expect(gaps([], '23T09:00', '23T09:00')).toEqual([]);
    expect(gaps([])).toEqual([['23T09:00', '30T09:00']]);
  });

  it('gaps and cover together are the whole window, never overlapping (property)', () => {
    const hour = 3_600_000;
    const start = at('23T00:00').getTime();
    fc.assert(
      fc.property(
        fc.array(fc.record({ from: fc.integer({ min: -48, max: 400 }), len: fc.integer({ min: 1, max: 200 }) }), { maxLength: 12 }),
        (raw) => {
          const shifts = raw.map((r, i) => ({ engineerId: `e${i}`, level: 'primary' as const, startsAt: new Date(start + r.from * hour), endsAt: new Date(start + (r.from + r.len) * hour), isOverride: false }));
          const from = new Date(start);
          const to = new Date(start + 336 * hour);
          const found = primaryCoverGaps(shifts, from, to);
          for (let h = 0; h < 336; h++) {
            const t = start + h * hour + hour / 2;
            const covered = shifts.some((s) => s.startsAt.getTime() <= t && t < s.endsAt.getTime());
            const inGap = found.some((g) => g.from.getTime() <= t && t < g.to.getTime());
            if (covered === inGap) return false;
          }
          return found.every((g, i) => g.to > g.from && (i === 0 || found[i - 1]!.to < g.from));
        },
      ),
    );
  });
});
