// Who hears an announcement, and what may be posted (seed 000: 48 hours' notice of maintenance).
import { describe, expect, it } from 'vitest';
import { draftProblem, hears, type AnnouncementView } from '../../src/domain/announcements/rules.ts';

const now = new Date('2026-11-18T10:00:00Z');
const base: AnnouncementView = {
  id: '1', kind: 'incident', message: 'A fault in Bath.', startsAt: '2026-11-18T09:00:00Z', endsAt: '2026-11-18T12:00:00Z',
  accountIds: null, service: null, dialledNumber: null, incidentId: null, sound: null,
};
const nobody = { accountId: null, services: null, dialled: '+448000461000' };

describe('who hears an announcement', () => {
  it('everyone, between its start and its end only', () => {
    expect(hears(base, nobody, now)).toBe(true);
    expect(hears(base, nobody, new Date('2026-11-18T08:59:59Z'))).toBe(false);
    expect(hears(base, nobody, new Date('2026-11-18T12:00:00Z'))).toBe(false);
  });
  it('an account scope: only those accounts, and never a caller not yet identified', () => {
    const scoped = { ...base, accountIds: ['7', '9'] };
    expect(hears(scoped, { ...nobody, accountId: '9' }, now)).toBe(true);
    expect(hears(scoped, { ...nobody, accountId: '8' }, now)).toBe(false);
    expect(hears(scoped, nobody, now)).toBe(false);
  });
  it('a service scope and a dialled number must both match', () => {
    const scoped = { ...base, service: 'broadband' as const, dialledNumber: '+448000461000' };
    expect(hears(scoped, { accountId: '1', services: ['phones', 'broadband'], dialled: '+448000461000' }, now)).toBe(true);
    expect(hears(scoped, { accountId: '1', services: ['phones'], dialled: '+448000461000' }, now)).toBe(false);
    expect(hears(scoped, { accountId: '1', services: ['broadband'], dialled: '+441632960000' }, now)).toBe(false);
  });
});

describe('posting', () => {
  const draft = { kind: 'maintenance' as const, message: 'Upgrade tonight.', startsAt: new Date('2026-11-20T10:00:00Z'), endsAt: new Date('2026-11-20T12:00:00Z') };
  it('planned maintenance 48 hours ahead is fine; 47 hours is refused with the rule', () => {
    expect(draftProblem(draft, now)).toBeNull();
    expect(draftProblem({ ...draft, startsAt: new Date('2026-11-20T09:00:00Z') }, now)).toEqual({ field: 'startsAt', message: expect.stringMatching(/48 hours' notice .* 47 hours away/) });
  });
  it('an incident may start at once; an empty, over-long, backwards or finished one is refused', () => {
    const incident = { ...draft, kind: 'incident' as const, startsAt: now };
    expect(draftProblem(incident, now)).toBeNull();
    expect(draftProblem({ ...incident, message: ' ' }, now)?.field).toBe('message');
    expect(draftProblem({ ...incident, message: 'x'.repeat(601) }, now)?.field).toBe('message');
    expect(draftProblem({ ...incident, endsAt: now }, now)?.field).toBe('endsAt');
  });
});
