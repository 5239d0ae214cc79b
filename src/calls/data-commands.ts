// The data side of the flow's commands: each reads or writes the records and,
// where the flow is waiting on it, answers with an event.
import { toE164 } from '../store/phone.ts';
import { effectiveTier, londonDate } from '../domain/contracts.ts';
import { planEscalation } from '../domain/escalation.ts';
import { isUkMobile } from '../domain/tickets/customer-text.ts';
import type { DataCommand, FlowEvent } from '../domain/flow/types.ts';
import { decoyPinHash, verifyPin } from '../store/pin-hash.ts';
import { randomUUID } from 'node:crypto';
import type { LiveStore, PinAttemptKey, PinReservation, PinSettlement } from '../store/live/live-store.ts';
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
  /** The step's PIN attempt, when the call service handles its Redis side (see PinStep). */
  pin?: PinStep;
}

/**
 * A PIN check's Redis side folded into the step's own round trips: the attempt reserved as
 * the step claimed the call (`reserved`, used by the step's first check of the same keys),
 * and a right PIN's settlement left for the session's put (`settle`).
 */
export interface PinStep {
  reserved?: { keys: readonly PinAttemptKey[]; reservation: PinReservation } | undefined;
  settle?: PinSettlement | undefined;
}

/** What a PIN attempt is counted against: the account and, when it is known, the calling number. */
export function pinAttemptKeys(command: Extract<DataCommand, { kind: 'checkPin' }>): PinAttemptKey[] {
  // A withheld or unparseable caller ID is nobody in particular: counting it would make
  // every withheld caller share one lockout. The account's own limit still applies.
  const caller = toE164(command.callerPhone);
  return [{ scope: 'account', id: command.accountNumber }, ...(caller ? [{ scope: 'caller' as const, id: caller }] : [])];
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
  const caller = toE164(command.callerPhone);
  const keys = pinAttemptKeys(command);
  // The attempt is reserved before the PIN is checked, on every instance's count at once:
  // simultaneous guesses cannot all be checked before the first has failed.
  const reserved = ctx.pin?.reserved;
  if (ctx.pin) ctx.pin.reserved = undefined;
  const reservation = reserved && sameKeys(reserved.keys, keys) ? reserved.reservation : await live.reservePinAttempt(keys, randomUUID());
  if (reserved && reserved.reservation !== reservation && reserved.reservation.granted) {
    await live.settlePinAttempt(reserved.keys, reserved.reservation, 'unchecked').catch(() => undefined);
  }
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
    // Left for the session's put when the service takes it: one round trip fewer.
    if (ctx.pin) ctx.pin.settle = { keys, reservation, outcome: 'right' };
    await Promise.all([
      ctx.pin ? undefined : live.settlePinAttempt(keys, reservation, 'right'),
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

function sameKeys(a: readonly PinAttemptKey[], b: readonly PinAttemptKey[]): boolean {
  return a.length === b.length && a.every((k, i) => k.scope === b[i]?.scope && k.id === b[i]?.id);
}
