// One scripted caller, run as a whole call over the simulated Asterisk or the
// simulated Twilio. The script says only what the caller presses after which
// question; where the call then goes (the desk, the accounts team, the on-call
// engineer, a message, or the end of the call) is whatever the line does, and is
// reported for the test to check. Whoever is rung answers: the desk, the accounts
// team, and the primary engineer, who accepts.
import type { PromptId } from '../../../src/domain/prompts.ts';
import type { LiveStore } from '../../../src/store/live/live-store.ts';
import type { Db } from '../../../src/store/db.ts';
import { findCallByCarrierId, type CallRecord } from '../../../src/store/calls.ts';
import { getTicket, type TicketDetail } from '../../../src/store/tickets.ts';
import { startAsteriskLine } from '../fake-asterisk/line.ts';
import type { PartyScript } from '../fake-asterisk/index.ts';
import { ENGINEERS } from '../fake-twilio/fixture.ts';
import { BILLING_NUMBER, DESK_NUMBER, startTwilioLine } from '../fake-twilio/line.ts';
import type { Reached } from './expected.ts';
import { asteriskWords, twilioWords, withoutReference } from './words.ts';

export interface Script {
  from: string;
  /** Each question the caller waits for, and what they press at it. */
  steps: Array<{ after: PromptId; press: string }>;
}

export interface WholeCall {
  reached: Reached;
  /** What the caller heard, as prompt ids and number sounds, the ticket reference as <ref>. */
  words: string[];
  /** What the caller heard as text (Twilio's <Say>; empty for Asterisk, which plays files). */
  text: string;
  call: CallRecord;
  ticket: TicketDetail | null;
  /** What the line asked of the carrier that the real one would refuse. */
  violations: string[];
}

interface LineOptions {
  db: Db;
  live: LiveStore;
  at: string;
}

const MESSAGE_SECONDS = 20;

export async function overAsterisk(options: LineOptions, script: Script): Promise<WholeCall> {
  const line = await startAsteriskLine(options);
  try {
    const { sim } = line;
    const people: Array<[Reached, PartyScript]> = [
      ['desk', sim.desk('support').answersAfter(5_000)],
      ['accounts', sim.desk('billing').answersAfter(5_000)],
      ['oncall', sim.engineer(ENGINEERS.sam.phone).answersAfter(4_000).presses('1')],
    ];
    const caller = sim.call({ from: script.from });
    for (const step of script.steps) caller.hears(step.after).presses(step.press);
    await caller;
    const channel = caller.channel;
    if (!channel) throw new Error('the call never reached the application');
    const joinedTo = (): Reached | undefined => people.find(([, p]) => channel.bridge?.channels.some((c) => p.legs.includes(c)))?.[0];
    await sim.until(
      () => !channel.alive || channel.recording?.state === 'recording' || joinedTo() !== undefined,
      `the line to connect ${script.from}, take a message or end the call; heard: ${caller.transcript.join(', ')}`,
    );
    let reached: Reached;
    const person = joinedTo();
    if (person) {
      reached = person;
      await caller.hangsUp();
    } else if (channel.alive) {
      reached = 'message';
      await caller.speaks(MESSAGE_SECONDS).presses('#').isHungUp();
    } else {
      reached = 'told';
    }
    const { call, ticket } = await line.callOf(caller);
    return { reached, words: withoutReference(asteriskWords(caller.transcript), ticket?.reference ?? null), text: '', call, ticket, violations: line.violations() };
  } finally {
    await line.close();
  }
}

export async function overTwilio(options: LineOptions, script: Script): Promise<WholeCall> {
  const line = await startTwilioLine(options);
  try {
    const { sim } = line;
    const people: Array<[Reached, string]> = [
      ['desk', DESK_NUMBER],
      ['accounts', BILLING_NUMBER],
      ['oncall', ENGINEERS.sam.phone],
    ];
    sim.desk(DESK_NUMBER).answers({ afterSeconds: 5 });
    sim.desk(BILLING_NUMBER).answers({ afterSeconds: 5 });
    sim.engineer(ENGINEERS.sam.phone).answers({ afterSeconds: 4 }).presses('1');
    const caller = sim.call({ from: script.from });
    for (const step of script.steps) caller.hears(step.after).presses(step.press);
    await caller;
    let reached: Reached;
    if (caller.state === 'bridged') {
      const joined = people.find(([, number]) => sim.phone(number).rings.some((r) => r.bridged));
      if (!joined) throw new Error('the Twilio caller is joined to nobody the test knows');
      reached = joined[0];
      await caller.hangsUp();
    } else if (caller.state === 'record') {
      reached = 'message';
      await caller.leavesMessage({ seconds: MESSAGE_SECONDS }).isHungUp();
    } else if (caller.state === 'ended') {
      reached = 'told';
    } else {
      throw new Error(`the Twilio call was left ${caller.state}; heard: ${caller.heard.join(' | ')}`);
    }
    const call = await findCallByCarrierId(options.db, 'twilio', caller.callSid);
    if (!call) throw new Error(`no call recorded for ${caller.callSid}`);
    const ticket = call.ticketId ? await getTicket(options.db, { id: call.ticketId }) : null;
    return { reached, words: withoutReference(twilioWords(caller.heard), ticket?.reference ?? null), text: caller.heard.join(' '), call, ticket, violations: [] };
  } finally {
    await line.close();
  }
}
