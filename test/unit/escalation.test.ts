// The escalation plan read off the rota: primary, secondary, then the manager.
import { describe, expect, it } from 'vitest';
import { onCallAt, planEscalation, type RotaEngineer, type RotaShift } from '../../src/domain/escalation.ts';

const eng = (id: string, name: string): RotaEngineer => ({ id, name, phone: `+4477009001${id}`, dialTarget: null, active: true });
const engineers = [eng('1', 'Sam'), eng('2', 'Alex'), eng('3', 'Morgan'), eng('4', 'Priya')];
const week = (engineerId: string, level: RotaShift['level'], isOverride = false, from = '2026-11-16T09:00:00Z', to = '2026-11-23T09:00:00Z'): RotaShift => ({
  engineerId,
  level,
  startsAt: new Date(from),
  endsAt: new Date(to),
  isOverride,
});
const at = new Date('2026-11-21T03:00:00Z');

describe('the escalation plan', () => {
  it('orders primary, secondary, manager with the default ring time and rounds', () => {
    const plan = planEscalation({ shifts: [week('3', 'manager'), week('2', 'secondary'), week('1', 'primary')], engineers, at, busy: new Set() });
    expect(plan.legs.map((l) => [l.name, l.level])).toEqual([
      ['Sam', 'primary'],
      ['Alex', 'secondary'],
      ['Morgan', 'manager'],
    ]);
    expect(plan.ringSeconds).toBe(25);
    expect(plan.rounds).toBe(2);
  });

  it('lets an override replace the ordinary primary while it runs', () => {
    const override = week('4', 'primary', true, '2026-11-20T17:00:00Z', '2026-11-22T09:00:00Z');
    const shifts = [week('1', 'primary'), override, week('2', 'secondary')];
    expect(planEscalation({ shifts, engineers, at, busy: new Set() }).legs.map((l) => l.name)).toEqual(['Priya', 'Alex']);
    expect(onCallAt(shifts, new Date('2026-11-22T10:00:00Z')).primary.map((s) => s.engineerId)).toEqual(['1']);
  });

  it('skips an engineer already on an escalated call, and inactive engineers', () => {
    const inactive = engineers.map((e) => (e.id === '3' ? { ...e, active: false } : e));
    const plan = planEscalation({ shifts: [week('1', 'primary'), week('2', 'secondary'), week('3', 'manager')], engineers: inactive, at, busy: new Set(['1']) });
    expect(plan.legs.map((l) => l.name)).toEqual(['Alex']);
  });

  it('is empty outside every shift', () => {
    expect(planEscalation({ shifts: [week('1', 'primary')], engineers, at: new Date('2026-12-01T00:00:00Z'), busy: new Set() }).legs).toEqual([]);
  });

  it('rings an engineer once even when rostered at two levels', () => {
    const plan = planEscalation({ shifts: [week('1', 'primary'), week('1', 'manager')], engineers, at, busy: new Set() });
    expect(plan.legs).toHaveLength(1);
  });
});
