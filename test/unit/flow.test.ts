// The one call flow, call by call, with no carrier and no database.
import { describe, expect, it } from 'vitest';
import { ACME, ALEX, SAM, call } from '../support/flow-call.ts';
import type { Tier } from '../../src/domain/contracts.ts';
import { utteranceText } from '../../src/domain/prompts.ts';
import { DESK_RING_SECONDS, deskDestination, engineerKeyOutcome, isMessage } from '../../src/domain/flow/rules.ts';
import { initialState, transition } from '../../src/domain/flow/transition.ts';
import type { FlowEvent, FlowState } from '../../src/domain/flow/types.ts';

const MONDAY_10AM = '2026-11-23T10:00:00Z';
const SATURDAY_3AM = '2026-11-21T03:00:00Z';
const SATURDAY_10AM = '2026-11-21T10:00:00Z';
const MONDAY_7PM = '2026-11-23T19:00:00Z';

const account = (tier: Tier) => ({ ...ACME, tier });
const known = (tier: Tier, at: string) => call({ at, from: ACME.phones[0], account: account(tier), engineers: [SAM, ALEX] });

describe('identification', () => {
  it('greets with the emergency warning and asks only for the PIN when caller ID matches', () => {
    const c = known('Cat1', MONDAY_10AM).hears('greeting', 'enter-pin');
    expect(c.heard).not.toContain('enter-account');
    expect(c.spoken[0]).toMatch(/dial 999/);
    c.presses('4821#').hears('main-menu');
  });

  it('asks for the account number by keypad when caller ID is unknown', () => {
    call({ at: MONDAY_10AM, account: account('Cat1') })
      .hears('greeting', 'enter-account')
      .presses('10042#')
      .hears('enter-pin')
      .presses('4821#')
      .hears('main-menu');
  });

  it('treats an unknown account exactly like a wrong PIN', () => {
    const c = call({ at: MONDAY_10AM, account: account('Cat1') }).presses('99999#').presses('4821#');
    expect(c.heard.at(-2)).toBe('not-verified');
    expect(c.lastHeard()).toBe('enter-account');
  });

  it('ends authentication after three wrong PINs, telling the caller why', () => {
    const c = known('Cat4', MONDAY_10AM).presses('1111#').presses('2222#').presses('3333#');
    c.hears('auth-failed');
    expect(c.ended).toEqual({ outcome: 'refused', reason: 'authentication-failed' });
    expect(c.commands('hangup')).toHaveLength(1);
  });

  it('tells a locked-out caller to try later', () => {
    const c = call({ at: MONDAY_10AM, from: ACME.phones[0], account: ACME, pinLocked: true }).presses('4821#');
    c.hears('pin-locked');
    expect(c.ended?.reason).toBe('pin-locked');
  });

  it('never puts PIN digits into a log command', () => {
    const c = known('Cat4', MONDAY_10AM).presses('1111#').presses('4821#');
    expect(JSON.stringify(c.commands('log'))).not.toMatch(/1111|4821/);
  });
});

describe('routing a fault', () => {
  it('sends a Cat1 fault in office hours to the desk with the ticket reference, and says only what is happening now', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('1').presses('2');
    c.hears('ticket-reference', 'connecting-desk');
    // Never "An engineer will call you back by … Connecting you to the support desk now."
    expect(c.heard).not.toContain('callback-by');
    expect(c.commands('connectDesk')).toEqual([{ kind: 'connectDesk', queue: 'support', fallbackQueue: null, ringSeconds: DESK_RING_SECONDS }]);
    expect(c.tickets[0]?.targets.find((t) => t.name === 'response')?.dueAt).toBe('2026-11-24T10:00:00.000Z'); // 7 h Monday + 1 h Tuesday
  });

  it('offers a caller with no contract ad hoc support at £70 + VAT, and records the acceptance', () => {
    const c = known('None', MONDAY_10AM).presses('4821#').presses('1').presses('2');
    c.hears('no-contract-offer');
    expect(c.spoken.join(' ')).toMatch(/seventy pounds plus VAT/);
    c.presses('1');
    expect(c.tickets[0]?.adHocAccepted).toBe(true);
    expect(c.tickets[0]?.targets).toEqual([]);
    c.hears('connecting-desk');
  });

  it('lets a CatS caller decline the charge without raising a ticket', () => {
    const c = known('CatS', MONDAY_10AM).presses('4821#').presses('1').presses('2').hears('ad-hoc-offer').presses('2');
    c.hears('ad-hoc-declined');
    expect(c.tickets).toHaveLength(0);
    expect(c.ended).toEqual({ outcome: 'refused', reason: 'ad-hoc-declined' });
  });

  it('rings the on-call engineer for a critical Cat4 fault at 3am on a Saturday', () => {
    const c = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('1');
    c.hears('ticket-reference', 'connecting-oncall');
    // Ring first: the key press dials the engineer, and the reference is said while it rings.
    const dial = c.commands('dialEngineer')[0];
    expect(c.commands('play').some((p) => p.utterance.some((s) => s.type === 'prompt' && s.id === 'ticket-reference'))).toBe(false);
    expect(dial?.announce.map((s) => (s.type === 'prompt' ? s.id : s.type))).toEqual(['ticket-reference', 'digits', 'connecting-oncall']);
    expect(dial?.engineer.name).toBe('Sam Patel');
    expect(dial?.ringSeconds).toBe(25);
    expect(dial?.acceptKey).toBe('1');
    expect(dial?.whisper.map((s) => (s.type === 'prompt' ? s.id : s.type))).toEqual(['whisper-critical', 'text', 'ticket', 'digits', 'whisper-accept']);
    // The account's name is part of the sentence, not a new one after a full stop.
    expect(utteranceText(dial?.whisper ?? [])).toMatch(/^Critical Cat 4 call from account ACME Ltd\. Ticket \d( \d)*\. Press 1 to accept/);
    expect(c.tickets[0]?.targets.find((t) => t.name === 'response')?.dueAt).toBe('2026-11-21T05:00:00.000Z');
  });

  it('takes a message for a standard Cat4 fault at 3am, the clock waiting for Monday 09:00', () => {
    const c = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('2');
    c.hears('office-closed', 'leave-message');
    expect(c.commands('record')).toHaveLength(1);
    expect(c.tickets[0]?.targets.find((t) => t.name === 'response')?.dueAt).toBe('2026-11-23T17:00:00.000Z');
    c.leavesMessage().hears('message-taken', 'ticket-reference', 'callback-by', 'goodbye');
    expect(c.ended).toEqual({ outcome: 'message', reason: 'message-recorded' });
  });

  it('rings the on-call engineer for a Cat2 fault in extended hours, and takes a message at 3am', () => {
    known('Cat2', SATURDAY_10AM).presses('4821#').presses('1').presses('2').hears('connecting-oncall');
    known('Cat2', MONDAY_7PM).presses('4821#').presses('1').presses('2').hears('connecting-oncall');
    known('Cat2', SATURDAY_3AM).presses('4821#').presses('1').presses('2').hears('leave-message');
  });

  it('takes a message for Cat1 out of hours', () => {
    known('Cat1', MONDAY_7PM).presses('4821#').presses('1').presses('1').hears('office-closed', 'leave-message');
  });
});

describe('the escalation ladder', () => {
  const ringing = () => known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('1');

  it('moves to the next engineer on no answer, and bridges the one who presses 1', () => {
    const c = ringing().engineer('e1', 'no_answer');
    expect(c.commands('dialEngineer').map((d) => d.engineer.engineerId)).toEqual(['e1', 'e2']);
    c.engineer('e2', 'accepted');
    expect(c.commands('markResponded')[0]).toMatchObject({ ticketId: 't1', by: { engineerId: 'e2' } });
    expect(c.commands('bridgeEngineer')).toEqual([{ kind: 'bridgeEngineer', engineerId: 'e2' }]);
    c.hangsUp();
    expect(c.ended).toEqual({ outcome: 'engineer', reason: 'completed' });
  });

  it('treats a 2, a voicemail (no key) and a busy line alike: next engineer', () => {
    const c = ringing().engineer('e1', 'declined').engineer('e2', 'no_key').engineer('e1', 'busy');
    expect(c.commands('dialEngineer').map((d) => d.engineer.engineerId)).toEqual(['e1', 'e2', 'e1', 'e2']);
  });

  it('after the configured rounds alerts the duty manager, then tells the caller so and takes a message', () => {
    const c = ringing().engineer('e1', 'no_answer').engineer('e2', 'no_answer').engineer('e1', 'no_answer').engineer('e2', 'failed');
    expect(c.commands('dialEngineer')).toHaveLength(4);
    c.hears('oncall-failed', 'leave-message');
    const kinds = c.log.map((x) => x.kind);
    // The alert is asked for before the caller hears that the duty manager has been told.
    expect(kinds.indexOf('alertEscalationFailed')).toBeGreaterThan(-1);
    expect(kinds.indexOf('alertEscalationFailed')).toBeLessThan(kinds.lastIndexOf('play'));
    expect(c.commands('alertEscalationFailed')).toEqual([{ kind: 'alertEscalationFailed', ticketId: 't1' }]);
    expect(c.state.escalationFailed).toBe(true);
  });

  it('never says the duty manager has been told when the alert could not be queued', () => {
    const c = call({ at: SATURDAY_3AM, from: ACME.phones[0], account: ACME, engineers: [SAM], rounds: 1, alertQueued: false })
      .presses('4821#').presses('1').presses('1').engineer('e1', 'no_answer');
    c.hears('oncall-unreached', 'leave-message');
    expect(c.heard).not.toContain('oncall-failed');
    expect(c.spoken.join(' ')).not.toMatch(/duty manager/);
  });

  it('with nobody on the rota goes straight to a message, the reference said first', () => {
    const c = call({ at: SATURDAY_3AM, from: ACME.phones[0], account: ACME, engineers: [] }).presses('4821#').presses('1').presses('1');
    expect(c.commands('dialEngineer')).toHaveLength(0);
    c.hears('ticket-reference', 'oncall-failed', 'leave-message');
    // Nobody was called, so the caller is never told "we are calling the on-call engineer".
    expect(c.heard).not.toContain('connecting-oncall');
  });

  it('says the reference once, with the first engineer who really rings', () => {
    const announced = (c: ReturnType<typeof ringing>) => c.commands('dialEngineer').map((d) => d.announce.length > 0);
    const c = ringing().engineer('e1', 'no_answer');
    expect(announced(c)).toEqual([true, false]);
    // An engineer already on another call was never rung: the next one carries the announcement.
    const locked = ringing().engineer('e1', 'locked');
    expect(announced(locked)).toEqual([true, true]);
    locked.engineer('e2', 'no_answer');
    expect(announced(locked)).toEqual([true, true, false]);
  });

  it('keeps the ticket as caller-abandoned when the caller hangs up while engineers ring', () => {
    const c = ringing().hangsUp();
    expect(c.commands('flagTicket')).toEqual([{ kind: 'flagTicket', ticketId: 't1', flag: 'caller_abandoned' }]);
    expect(c.ended?.outcome).toBe('abandoned');
  });

  it('ignores a result for an engineer who is not the one ringing', () => {
    const c = ringing().engineer('e2', 'accepted');
    expect(c.commands('bridgeEngineer')).toHaveLength(0);
  });
});

describe('invalid and missing input', () => {
  it('re-prompts three times, then takes the safe default: the desk in office hours', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('9').staysSilent().presses('8').presses('#');
    expect(c.heard.filter((h) => h === 'main-menu')).toHaveLength(4);
    c.hears('invalid-entry', 'no-entry', 'connecting-desk');
    expect(c.tickets[0]?.kind).toBe('fault');
  });

  it('out of hours the safe default is a message', () => {
    const c = known('Cat1', MONDAY_7PM).presses('4821#').staysSilent().staysSilent().staysSilent().staysSilent();
    c.hears('leave-message');
  });

  it('an unidentified caller who never keys an account number still leaves a message', () => {
    const c = call({ at: MONDAY_7PM }).staysSilent().staysSilent().staysSilent().staysSilent();
    c.hears('leave-message');
    expect(c.tickets[0]).toMatchObject({ kind: 'message', accountId: null, tier: 'None' });
  });

  it('refuses overlong digit strings and keypad garbage without crashing', () => {
    const c = call({ at: MONDAY_10AM, account: account('Cat1') }).presses('1'.repeat(500)).presses('12*34#');
    expect(c.heard.filter((h) => h === 'invalid-entry')).toHaveLength(2);
    expect(c.state.phase).toBe('account');
  });
});

describe('keys that work at every question', () => {
  it('says once, after the greeting, that 0 reaches a person and star repeats', () => {
    const c = known('Cat1', MONDAY_10AM).hears('greeting', 'keys-help', 'enter-pin').presses('4821#').hears('main-menu');
    expect(c.heard.filter((h) => h === 'keys-help')).toHaveLength(1);
  });

  it('star repeats the question as often as asked, never counted as a mistake', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('*').presses('*').presses('*').presses('*').presses('*');
    expect(c.heard.filter((h) => h === 'main-menu')).toHaveLength(6);
    expect(c.heard).not.toContain('invalid-entry');
    expect(c.state.phase).toBe('menu');
    c.presses('1').hears('fault-critical-question');
  });

  it('0 at the PIN question in office hours reaches the desk without a PIN, on a ticket with no account', () => {
    const c = known('Cat4', MONDAY_10AM).presses('0#');
    c.hears('ticket-reference', 'connecting-desk');
    expect(c.heard).not.toContain('main-menu');
    expect(c.tickets[0]).toMatchObject({ kind: 'message', accountId: null, route: 'desk' });
    expect(JSON.stringify(c.commands('log'))).toMatch(/caller pressed 0 for a person \(office open\)/);
  });

  it('0 out of office hours takes a message, as nobody is at the desk', () => {
    const c = known('Cat1', MONDAY_7PM).presses('4821#').presses('0');
    c.hears('office-closed', 'leave-message');
    expect(c.tickets[0]).toMatchObject({ kind: 'fault', route: 'voicemail' });
  });
});

describe('callers who cannot press keys', () => {
  it('a Cat4 customer silent at the critical question at 3 am reaches the on-call engineer', () => {
    const c = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').staysSilent().staysSilent().staysSilent().staysSilent();
    expect(c.commands('dialEngineer').length).toBeGreaterThan(0);
    expect(c.tickets[0]).toMatchObject({ kind: 'fault', priority: 'critical', route: 'oncall' });
    expect(c.heard).not.toContain('leave-message');
  });

  it('a caller through Relay UK (18001) skips the keypad and reaches the desk in office hours', () => {
    const c = call({ at: MONDAY_10AM, from: `18001${ACME.phones[0]?.replace('+44', '0')}`, account: ACME });
    c.hears('greeting', 'ticket-reference', 'connecting-desk');
    expect(c.heard).not.toContain('enter-pin');
    expect(c.heard).not.toContain('enter-account');
    expect(c.tickets[0]).toMatchObject({ kind: 'message', accountId: null, route: 'desk' });
  });

  it('a relay caller out of hours is asked for a message, never hung up on in silence', () => {
    const c = call({ at: MONDAY_7PM, from: '18001 01632 960999' });
    c.hears('greeting', 'office-closed', 'leave-message');
  });
});

describe('other menu choices', () => {
  it('reads back a ticket status', () => {
    const c = call({
      at: MONDAY_10AM,
      from: ACME.phones[0],
      account: ACME,
      tickets: [{ reference: '1007', kind: 'fault', status: 'acknowledged', nextDueAt: '2026-11-23T14:00:00Z' }],
    })
      .presses('4821#')
      .presses('2')
      .hears('enter-ticket')
      .presses('1007#');
    c.hears('ticket', 'status-acknowledged', 'next-update-by', 'goodbye');
    expect(c.ended).toEqual({ outcome: 'informed', reason: 'ticket-status-enquiry' });
    expect(c.tickets).toHaveLength(0);
  });

  it('reads a complaint back in complaint words, with the acknowledgement it was promised', () => {
    const c = call({
      at: MONDAY_10AM,
      from: ACME.phones[0],
      account: ACME,
      tickets: [{ reference: '1008', kind: 'complaint', status: 'new', nextDueAt: '2026-11-24T13:00:00Z' }],
    })
      .presses('4821#')
      .presses('2')
      .presses('1008#');
    c.hears('complaint', 'status-complaint-new', 'complaint-ack-by', 'goodbye');
    expect(c.heard).not.toContain('status-new');
    expect(c.spoken.join(' ')).toMatch(/acknowledge your complaint by 1 p\.m\. tomorrow/);
  });

  it('never reads back a promised time that has passed', () => {
    const c = call({
      at: MONDAY_10AM,
      from: ACME.phones[0],
      account: ACME,
      tickets: [{ reference: '1009', kind: 'fault', status: 'new', nextDueAt: '2026-11-23T09:00:00Z' }],
    })
      .presses('4821#')
      .presses('2')
      .presses('1009#');
    c.hears('ticket', 'status-new', 'goodbye');
    expect(c.heard).not.toContain('next-update-by');
  });

  it('raises a complaint with the acknowledgement promise, out of hours as a message', () => {
    const c = known('Cat1', MONDAY_7PM).presses('4821#').presses('3');
    c.hears('complaint-intro', 'leave-message');
    expect(c.tickets[0]?.kind).toBe('complaint');
    expect(c.tickets[0]?.targets.map((t) => t.name).sort()).toEqual(['adr_notice', 'complaint_ack', 'complaint_escalation', 'complaint_resolution']);
    c.leavesMessage().hears('complaint-ack-by');
  });

  it('puts billing through to the accounts team in office hours, with no SLA', () => {
    const c = known('Cat2', MONDAY_10AM).presses('4821#').presses('4');
    // A line with no accounts number of its own puts billing through to the support desk.
    expect(c.commands('connectDesk')).toEqual([{ kind: 'connectDesk', queue: 'billing', fallbackQueue: 'support', ringSeconds: DESK_RING_SECONDS }]);
    expect(c.tickets[0]?.targets).toEqual([]);
    expect(c.heard).not.toContain('no-target');
  });

  it('tells a billing caller out of hours when the accounts team is open, not that the support desk is closed', () => {
    const c = known('Cat2', MONDAY_7PM).presses('4821#').presses('4');
    c.hears('billing-closed', 'leave-message');
    expect(c.heard).not.toContain('office-closed');
    expect(c.spoken.join(' ')).toMatch(/accounts team is closed .*Monday to Friday, 9 a\.m\. to 5 p\.m\./);
  });
});

describe('true sentences', () => {
  it('the desk answering live is the first response, naming the desk', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('1').presses('2').desk('answered');
    expect(c.commands('markResponded')).toEqual([{ kind: 'markResponded', ticketId: 't1', by: { desk: 'support' }, at: new Date(MONDAY_10AM).toISOString() }]);
  });

  it('a caller the desk cannot take hears the callback time once a message is taken', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('1').presses('2').desk('no_answer');
    c.hears('desk-busy', 'leave-message').leavesMessage().hears('message-taken', 'callback-by');
    expect(c.spoken.at(-1)).toMatch(/call you back by 10 a\.m\. tomorrow/);
  });

  it('the on-call route says an engineer is being called, with no callback time', () => {
    const c = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('1');
    expect(c.spoken.at(-1)).toMatch(/^Your ticket reference is 1 0 4 2\. We are calling the on-call engineer/);
    expect(c.heard).not.toContain('callback-by');
  });

  it('tells the caller before the tone that the message is recorded, why, and for how long', () => {
    const c = known('Cat1', MONDAY_7PM).presses('4821#').presses('1').presses('2');
    c.hears('office-closed', 'recording-notice', 'leave-message');
    expect(c.heard.indexOf('recording-notice')).toBeLessThan(c.heard.indexOf('leave-message'));
    expect(c.spoken.at(-1)).toMatch(/record your message and keep it for 90 days, only to deal with your call\. Then it is deleted/);
  });

  it('says the retention the line is configured with (RECORDING_RETENTION_DAYS)', () => {
    const started: FlowEvent = {
      type: 'started', callId: 'c', carrier: 'cli', from: '+441632960999', to: '+441632960000',
      division: 'england-and-wales', closures: [], recordingRetentionDays: 30,
    };
    let state: FlowState = initialState(started, new Date(MONDAY_7PM));
    for (const e of [started, { type: 'callerLookedUp', accountNumber: null }, { type: 'inputTimeout' }, { type: 'inputTimeout' }, { type: 'inputTimeout' }, { type: 'inputTimeout' }] as FlowEvent[]) {
      state = transition(state, e, new Date(MONDAY_7PM)).state;
    }
    const said = transition(state, { type: 'ticketCreated', ticketId: 't', reference: '1' }, new Date(MONDAY_7PM)).commands;
    expect(JSON.stringify(said)).toContain('{"type":"number","value":30}');
  });

  it('a caller with no contract out of hours hears the £70 + VAT charge before a message is taken, and the acceptance is recorded', () => {
    const c = known('None', MONDAY_7PM).presses('4821#').presses('1').presses('2');
    c.hears('no-contract-offer');
    expect(c.tickets).toHaveLength(0);
    c.presses('1').hears('office-closed', 'leave-message');
    expect(c.tickets[0]).toMatchObject({ adHocAccepted: true, route: 'voicemail' });
  });

  it('a CatS caller out of hours who declines the charge gets no ticket', () => {
    const c = known('CatS', SATURDAY_3AM).presses('4821#').presses('1').presses('1').hears('ad-hoc-offer').presses('2');
    c.hears('ad-hoc-declined');
    expect(c.tickets).toHaveLength(0);
  });

  it('a locked-out caller is not told a fifteen-minute pause starts now (the lock may be older)', () => {
    const c = call({ at: MONDAY_10AM, from: ACME.phones[0], account: ACME, pinLocked: true }).presses('4821#');
    expect(c.spoken.at(-1)).not.toMatch(/paused for fifteen minutes/);
    expect(c.spoken.at(-1)).toMatch(/paused after too many wrong attempts\. Please call again in fifteen minutes/);
  });
});

describe('hanging up', () => {
  it('before identification gives a reason and no ticket', () => {
    const c = call({ at: MONDAY_10AM }).hangsUp();
    expect(c.ended).toEqual({ outcome: 'abandoned', reason: 'abandoned-before-identification' });
  });

  it('in the menu gives a reason and no ticket', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').hangsUp();
    expect(c.ended?.reason).toBe('abandoned-before-fault-reported');
  });

  it('after the goodbye is not a second end', () => {
    const c = known('Cat4', MONDAY_10AM).presses('1111#').presses('1111#').presses('1111#').hangsUp();
    expect(c.commands('endCall')).toHaveLength(1);
  });
});

describe('ticket status retries', () => {
  it('gives up politely after four references that are not found', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('2').presses('9#').presses('9#').presses('9#').presses('9#');
    expect(c.heard.filter((h) => h === 'ticket-not-found')).toHaveLength(4);
    expect(c.ended).toEqual({ outcome: 'informed', reason: 'ticket-status-enquiry' });
  });
});

describe('engineers and the desk, whichever carrier rings them', () => {
  it('connects an engineer only on the dial command’s accept key; another key passes the call on, none is no key', () => {
    const dial = { acceptKey: '1' };
    expect(engineerKeyOutcome(dial, '1')).toBe('accepted');
    expect(engineerKeyOutcome(dial, '2')).toBe('declined');
    expect(engineerKeyOutcome(dial, '#')).toBe('declined');
    expect(engineerKeyOutcome(dial, '11')).toBe('declined');
    expect(engineerKeyOutcome(dial, '')).toBe('no_key');
    expect(engineerKeyOutcome(dial, undefined)).toBe('no_key');
    expect(engineerKeyOutcome({ acceptKey: '5' }, '1')).toBe('declined');
  });

  it('rings the desk for as long as the call service says (DESK_OVERFLOW_SECONDS), on every carrier', () => {
    const at = new Date(MONDAY_10AM);
    const started: Extract<FlowEvent, { type: 'started' }> = {
      type: 'started',
      callId: 'call-1',
      carrier: 'asterisk',
      from: '+441632960999',
      to: '+441632960000',
      division: 'england-and-wales',
      closures: [],
      deskRingSeconds: 45,
    };
    let state: FlowState = initialState(started, at);
    const feed = (event: FlowEvent) => {
      const r = transition(state, event, at);
      state = r.state;
      return r.commands;
    };
    feed(started);
    feed({ type: 'callerLookedUp', accountNumber: null });
    feed({ type: 'input', digits: '10042' });
    feed({ type: 'input', digits: '4821' });
    feed({ type: 'pinChecked', result: 'ok', account: account('Cat1') });
    feed({ type: 'input', digits: '4' });
    const commands = feed({ type: 'ticketCreated', ticketId: 't1', reference: '1042' });
    expect(commands.find((c) => c.kind === 'connectDesk')).toMatchObject({ queue: 'billing', ringSeconds: 45 });
  });

  it('keeps the default desk ring time for a call whose saved state predates it', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').presses('1');
    const { deskRingSeconds: _dropped, ...older } = c.state;
    c.state = older;
    c.presses('2');
    expect(c.commands('connectDesk')[0]?.ringSeconds).toBe(DESK_RING_SECONDS);
  });

  it('picks the carrier’s destination for the queue, else the fallback, else none', () => {
    const billing = { queue: 'billing' as const, fallbackQueue: 'support' as const };
    expect(deskDestination(billing, { support: '+441632960999', billing: '+441632960998' })).toEqual({ queue: 'billing', destination: '+441632960998' });
    expect(deskDestination(billing, { support: '+441632960999', billing: null })).toEqual({ queue: 'support', destination: '+441632960999' });
    expect(deskDestination(billing, { support: 'support', billing: '' })).toEqual({ queue: 'support', destination: 'support' });
    expect(deskDestination({ queue: 'support', fallbackQueue: null }, { support: null, billing: '+441632960998' })).toBeNull();
  });
});

describe('after the carrier restarts mid-call (resumed)', () => {
  const resumes = <C extends { feed(e: FlowEvent): C }>(c: C): C => c.feed({ type: 'resumed' });

  it('asks the question again without "no entry" and without using up a retry', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').staysSilent().staysSilent();
    expect(c.state.retries).toBe(2);
    const heardBefore = c.heard.length;
    resumes(c);
    expect(c.heard.slice(heardBefore)).toEqual(['main-menu']);
    expect(c.state).toMatchObject({ phase: 'menu', retries: 2 });
    // The caller still has the retry the restart would otherwise have cost them.
    c.staysSilent();
    expect(c.lastHeard()).toBe('main-menu');
    expect(c.tickets).toHaveLength(0);
  });

  it('a caller already at three re-prompts is asked again, not sent to the safe default', () => {
    const c = known('Cat1', MONDAY_10AM).presses('4821#').staysSilent().staysSilent().staysSilent();
    expect(c.state.retries).toBe(3);
    resumes(c);
    expect(c.state).toMatchObject({ phase: 'menu', retries: 3 });
    expect(c.lastHeard()).toBe('main-menu');
    expect(c.tickets).toHaveLength(0);
    c.presses('1').hears('fault-critical-question');
  });

  it('at the PIN, asks for it again and counts no wrong PIN', () => {
    const c = known('Cat1', MONDAY_10AM).presses('1111#');
    expect(c.state.pinFailures).toBe(1);
    resumes(c);
    expect(c.state).toMatchObject({ phase: 'pin', pinFailures: 1, retries: 0 });
    expect(c.lastHeard()).toBe('enter-pin');
    expect(c.commands('gather').at(-1)).toMatchObject({ purpose: 'pin', secret: true });
  });

  it('repeats the ad hoc offer for a caller with no contract', () => {
    const c = known('None', MONDAY_10AM).presses('4821#').presses('1').presses('2');
    resumes(c);
    expect(c.lastHeard()).toBe('no-contract-offer');
    expect(c.state.phase).toBe('adhoc');
  });

  it('rings the same engineer again, the ladder where it was', () => {
    const c = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('1').engineer('e1', 'no_answer');
    const ladder = c.state.ladder;
    resumes(c);
    expect(c.commands('dialEngineer').map((d) => d.engineer.engineerId)).toEqual(['e1', 'e2', 'e2']);
    expect(c.state.ladder).toEqual(ladder);
    c.engineer('e2', 'accepted');
    expect(c.commands('bridgeEngineer')).toEqual([{ kind: 'bridgeEngineer', engineerId: 'e2' }]);
  });

  it('rings the desk again for as long as before', () => {
    const c = known('Cat2', MONDAY_10AM).presses('4821#').presses('4');
    resumes(c);
    expect(c.commands('connectDesk')).toEqual([c.commands('connectDesk')[0], c.commands('connectDesk')[0]]);
    expect(c.commands('connectDesk')[1]).toMatchObject({ queue: 'billing', ringSeconds: DESK_RING_SECONDS });
  });

  it('leaves what it cannot repeat (a message being recorded, a connected call) to the carrier', () => {
    const recording = known('Cat4', SATURDAY_3AM).presses('4821#').presses('1').presses('2');
    const before = recording.log.length;
    resumes(recording);
    expect(recording.log.length).toBe(before);
    const connected = known('Cat1', MONDAY_10AM).presses('4821#').presses('1').presses('2').desk('answered');
    const commands = connected.log.length;
    resumes(connected);
    expect(connected.log.length).toBe(commands);
  });
});

describe('what a recording holds', () => {
  it('a message needs 2 s of talking: Asterisk says 1 s of talking for a recording of silence the silence limit ended', () => {
    expect(isMessage({ durationSeconds: 1, talkingSeconds: 1 })).toBe(false);
    expect(isMessage({ durationSeconds: 0, talkingSeconds: 0 })).toBe(false);
    expect(isMessage({ durationSeconds: 3, talkingSeconds: 2 })).toBe(true);
    // Without a silence limit Asterisk does not measure talking: the length decides.
    expect(isMessage({ durationSeconds: 1, talkingSeconds: null })).toBe(false);
    expect(isMessage({ durationSeconds: 25, talkingSeconds: null })).toBe(true);
    // A long recording with no talking in it is no message.
    expect(isMessage({ durationSeconds: 30, talkingSeconds: 0 })).toBe(false);
  });
});
