// The rota drawn as a supervisor reads it: who is primary, secondary and manager
// from when to when, with an override laid over the ordinary week.
import { describe, expect, it } from 'vitest';
import type { RotaShift } from '../../src/domain/escalation.ts';
import { coverLanes } from '../../src/domain/rota-timeline.ts';

const at = (s: string) => new Date(`2026-11-${s}:00Z`);
const shift = (engineerId: string, from: string, to: string, level: RotaShift['level'] = 'primary', isOverride = false): RotaShift => ({
  engineerId,
  level,
  startsAt: at(from),
  endsAt: at(to),
  isOverride,
});
const lane = (shifts: RotaShift[], level: RotaShift['level'] = 'primary', active?: Set<string>) =>
  coverLanes(shifts, at('23T00:00'), at('30T00:00'), active)[level].map((s) => [s.engineerIds.join('+'), s.from.toISOString().slice(8, 16), s.to.toISOString().slice(8, 16), s.override]);

describe('the rota as lanes', () => {
  it('a week of Priya as primary is one stretch, clipped to the window', () => {
    expect(lane([shift('priya', '16T09:00', '30T09:00')])).toEqual([['priya', '23T00:00', '30T00:00', false]]);
  });

  it('Tom covering Wednesday night splits Priya’s week in three, the middle one an override', () => {
    const week = [shift('priya', '23T00:00', '30T00:00'), shift('tom', '25T18:00', '26T08:00', 'primary', true)];
    expect(lane(week)).toEqual([
      ['priya', '23T00:00', '25T18:00', false],
      ['tom', '25T18:00', '26T08:00', true],
      ['priya', '26T08:00', '30T00:00', false],
    ]);
  });

  it('a gap between shifts is absent from the lane; other levels are their own lanes', () => {
    const week = [shift('priya', '23T00:00', '25T18:00'), shift('tom', '26T08:00', '30T00:00'), shift('gareth', '23T00:00', '30T00:00', 'manager')];
    expect(lane(week).map((s) => s.slice(1, 3))).toEqual([['23T00:00', '25T18:00'], ['26T08:00', '30T00:00']]);
    expect(lane(week, 'manager')).toEqual([['gareth', '23T00:00', '30T00:00', false]]);
    expect(lane(week, 'secondary')).toEqual([]);
  });

  it('a shift of an engineer who has left does not count', () => {
    expect(lane([shift('priya', '23T00:00', '30T00:00')], 'primary', new Set(['tom']))).toEqual([]);
  });
});
