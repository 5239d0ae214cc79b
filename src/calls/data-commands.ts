// The data side of the flow's commands: each reads or writes the records and,
// where the flow is waiting on it, answers with an event.
import { toE164 } from '../store/phone.ts';
import { effectiveTier, londonDate } from '../domain/contracts.ts';
import { planEscalation } from '../domain/escalation.ts';
import { isUkMobile } from '../domain/tickets/customer-text.ts';
import type { DataCommand, FlowEvent } from '../domain/flow/types.ts';
import { decoyPinHash, verifyPin } from '../store/pin-hash.ts';
import { randomUUID } from 'node:crypto';
import type { LiveStore, PinAttemptKey } from '../store/live/live-store.ts';
import type { CallRecords } from './records.ts';
import type { Session } from './session.ts';
import type { CallServiceConfig } from './call-service.ts';

export interface DataContext {
  records: CallRecords;
  live: LiveStore;
  session: Session;
  at: Date;
  config: CallServiceConfig;
  /** Frees the engineers this call holds (all but one it is bridged to). */
  release: () => Promise<void>;
}

export async function executeData(command: DataCommand, ctx: DataContext): Promise<FlowEvent | null> {
  const { records, at, session } = ctx;
  const callId = session.state.callId;
  switch (command.kind) {
    case 'lookupCaller': {
      const e164 = toE164(command.phone);
      return { type: 'callerLookedUp', accountNumber: e164 ? await records.findAccountNumberByPhone(e164) : null };
    }
    case 'checkPin':
      return checkPin(command, ctx);
    case 'createTicket': {
      const ticket = await records.createTicket(command.ticket, at);
      await records.updateCall(callId, callSummary(ctx));
      return { type: 'ticketCreated', ticketId: ticket.id, reference: ticket.reference };
    }
    case 'markResponded':
      await records.markResponded(command.ticketId, command.by, new Date(command.at));
      return null;
    case 'flagTicket':
      await records.flagTicket(command.ticketId, command.flag, at);
      return null;
    case 'alertEscalationFailed':
      return { type: 'dutyManagerAlerted', queued: await records.escalationFailed(command.ticketId, at) };
    case 'attachRecording':
      await records.attachRecording(command.ticketId, command.recordingName, at);
      return null;
    case 'textCaller': {
      const e164 = toE164(command.phone);
      if (e164 && isUkMobile(e164)) await records.textCaller(command.ticketId, e164, command.text, at);
      return null;
    }
    case 'lookupTicket':
      return { type: 'ticketFound', ticket: await records.ticketStatusView(command.accountId, command.reference) };
    case 'planEscalation': {
      const rota = await records.rotaAt(at);
      const plan = planEscalation({
        ...rota,
        at,
        busy: new Set(),
        ringSeconds: ctx.config.ringSeconds,
        rounds: ctx.config.rounds,
      });
      return { type: 'escalationPlanned', plan };
    }
    case 'log':
      return null; // the timeline entry is written by the service for every command
    case 'endCall':
      await ctx.release();
      await records.closeCall(callId, {
        outcome: command.outcome,
        endReason: command.reason,
        hangupCause: session.hangupCause,
        endedAt: at,
        ...callSummary(ctx),
      });
      return null;
  }
}

function callSummary(ctx: DataContext) {
  const s = ctx.session.state;
  return {
    accountId: s.account?.accountId ?? null,
    tier: s.account?.tier ?? null,
    priority: s.priority,
    menu: s.menu,
    route: s.route,
    routeReason: s.routeReason,
    recordingName: s.recordingName,
    escalationFailed: s.escalationFailed,
  };
}

async function checkPin(command: Extract<DataCommand, { kind: 'checkPin' }>, ctx: DataContext): Promise<FlowEvent> {
  const { live, records, at } = ctx;
  // A withheld or unparseable caller ID is nobody in particular: counting it would make
  // every withheld caller share one lockout. The account's own limit still applies.
  const caller = toE164(command.callerPhone);
  const keys: PinAttemptKey[] = [{ scope: 'account', id: command.accountNumber }, ...(caller ? [{ scope: 'caller' as const, id: caller }] : [])];
  // The attempt is reserved before the PIN is checked, on every instance's count at once:
  // simultaneous guesses cannot all be checked before the first has failed.
  const reservation = await live.reservePinAttempt(keys, randomUUID());
  if (!reservation.granted) return { type: 'pinChecked', result: 'locked', account: null };

  let account: Awaited<ReturnType<typeof records.findAccountForPin>>;
  let checked: Awaited<ReturnType<typeof verifyPin>>;
  try {
    account = await records.findAccountForPin(command.accountNumber);
    // An unknown account is checked against a decoy, so it costs what a wrong PIN does.
    checked = await verifyPin(command.pin, account?.pinHash ?? decoyPinHash());
  } catch (err) {
    await live.settlePinAttempt(keys, reservation, 'unchecked').catch(() => undefined);
    throw err;
  }
  const { ok, rehash } = checked;
  if (account && ok) {
    await Promise.all([
      live.settlePinAttempt(keys, reservation, 'right'),
      rehash ? records.replacePinHash(account.id, account.pinHash, rehash) : undefined,
    ]);
    return {
      type: 'pinChecked',
      result: 'ok',
      account: {
        accountId: account.id,
        number: account.number,
        name: account.name,
        tier: effectiveTier(account.status, account.contracts, londonDate(at)),
        ...(account.services ? { services: account.services } : {}),
      },
    };
  }
  const { locked } = await live.settlePinAttempt(keys, reservation, 'wrong');
  await records.auditPinFailure({ accountNumber: command.accountNumber, callerPhone: caller ?? 'withheld', locked, at });
  return { type: 'pinChecked', result: locked ? 'locked' : 'wrong', account: null };
}
