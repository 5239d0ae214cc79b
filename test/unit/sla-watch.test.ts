// What the SLA watcher does with a timer when it looks: exact to the instant.
import { describe, expect, it } from 'vitest';
import { decide, type WatchedTimer } from '../../src/domain/sla/watch.ts';

const at = (iso: string) => new Date(iso);

// A Cat4 critical response: opened 10:00, warning at 11:30 (75% of 2 hours), due 12:00.
const response: WatchedTimer = {
  target: 'response',
  state: 'running',
  warnAt: at('2026-11-23T11:30:00Z'),
  dueAt: at('2026-11-23T12:00:00Z'),
  warnedAt: null,
};

describe('the watcher warns at 75% and records the breach at 100%', () => {
  it('a millisecond before the warning there is nothing to do, and it says when to look again', () => {
    expect(decide(response, at('2026-11-23T11:29:59.999Z'))).toEqual({ kind: 'none', nextFireAt: response.warnAt });
  });

  it('at the warning instant it warns, and looks again at the due time', () => {
    expect(decide(response, at('2026-11-23T11:30:00Z'))).toEqual({ kind: 'warn', alert: 'warning', nextFireAt: response.dueAt });
  });

  it('once warned it waits for the due time', () => {
    const warned = { ...response, warnedAt: at('2026-11-23T11:30:00Z') };
    expect(decide(warned, at('2026-11-23T11:59:59Z'))).toEqual({ kind: 'none', nextFireAt: response.dueAt });
  });

  it('at the due instant it records the breach as of the due time', () => {
    const warned = { ...response, warnedAt: at('2026-11-23T11:30:00Z') };
    expect(decide(warned, at('2026-11-23T12:00:00Z'))).toEqual({ kind: 'breach', alert: 'breach', breachedAt: response.dueAt });
  });

  it('a watcher that was away past the due time records the breach alone, with its true time', () => {
    expect(decide(response, at('2026-11-23T15:00:00Z'))).toEqual({ kind: 'breach', alert: 'breach', breachedAt: response.dueAt });
  });

  it('a 0-minute target (warning and due at once) goes straight to the breach', () => {
    const zero = { ...response, warnAt: response.dueAt };
    expect(decide(zero, at('2026-11-23T11:59:00Z'))).toEqual({ kind: 'none', nextFireAt: response.dueAt });
    expect(decide(zero, at('2026-11-23T12:00:00Z')).kind).toBe('breach');
  });

  it('a timer met or paused since it was claimed is left alone', () => {
    for (const state of ['met', 'paused', 'breached', 'cancelled', 'pending']) {
      expect(decide({ ...response, state }, at('2026-11-23T13:00:00Z'))).toEqual({ kind: 'none', nextFireAt: null });
    }
  });
});

describe('the complaint duties that fall due', () => {
  it('at 48 hours an unresolved complaint is escalated to management', () => {
    const escalation = { ...response, target: 'complaint_escalation' as const };
    expect(decide(escalation, at('2026-11-23T12:00:00Z'))).toMatchObject({ kind: 'breach', alert: 'escalation' });
  });

  it('at 8 weeks the ADR notice becomes a task', () => {
    const adr = { ...response, target: 'adr_notice' as const };
    expect(decide(adr, at('2026-11-23T12:00:00Z'))).toMatchObject({ kind: 'breach', alert: 'adr_task' });
  });

  it('their warnings are plain warnings', () => {
    const escalation = { ...response, target: 'complaint_escalation' as const };
    expect(decide(escalation, at('2026-11-23T11:45:00Z'))).toMatchObject({ kind: 'warn', alert: 'warning' });
  });
});
