import { describe, expect, it } from 'vitest';
import { assigneeText } from '../../src/domain/tickets/assignee-text.ts';

const acme = { reference: '1002', kind: 'fault' as const, tier: 'Cat4' as const, priority: 'critical' as const, accountName: 'Acme Dental' };

describe('the text to an engineer given a ticket', () => {
  it('a Cat4 critical fault names the ticket, the customer and who gave it', () => {
    expect(assigneeText(acme, 'Sam Supervisor')).toBe('Ticket 1002 (Acme Dental, Cat4 critical) is now yours, given by Sam Supervisor. Details in the console.');
  });
  it('a Cat4 standard fault, a Cat2 critical fault and a Cat4 complaint text nobody', () => {
    expect(assigneeText({ ...acme, priority: 'standard' }, 'Sam')).toBeNull();
    expect(assigneeText({ ...acme, tier: 'Cat2' }, 'Sam')).toBeNull();
    expect(assigneeText({ ...acme, kind: 'complaint', priority: null }, 'Sam')).toBeNull();
  });
});
