// What the call service reads and writes in Postgres, as one port. The Postgres
// implementation is src/calls/pg-records.ts; a degraded mode can wrap it (outbox).
import type { PinAccount } from '../store/accounts.ts';
import type { AnnouncementView } from '../domain/announcements/rules.ts';
import type { CallPatch } from '../store/calls.ts';
import type { RotaEngineer, RotaShift } from '../domain/escalation.ts';
import type { Dialled } from '../domain/dialled.ts';
import type {
  CallOutcome,
  CarrierName,
  ClosureWindow,
  NewTicket,
  Responder,
  TicketStatusView,
} from '../domain/flow/types.ts';

/** What checking a voice PIN needs (the store's shape). */
export type AccountForPin = PinAccount;

export interface TimelineEntry {
  callId: string;
  seq: number;
  at: Date;
  type: string;
  detail: Record<string, unknown>;
}

/** What the call service learns as the call goes on. */
export type CallSummary = Omit<CallPatch, 'answeredAt' | 'ticketId'>;

export interface CallRecords {
  findAccountNumberByPhone(e164: string): Promise<string | null>;
  findAccountForPin(accountNumber: string): Promise<AccountForPin | null>;
  /** Best effort: a right PIN's hash under the current key replaces `checked` (the next right PIN tries again). */
  replacePinHash(accountId: string, checked: string, replacement: string): Promise<void>;
  closuresAround(at: Date): Promise<ClosureWindow[]>;
  /** Announcements a call starting now may hear (the flow decides which). */
  announcementsAround(at: Date): Promise<AnnouncementView[]>;
  /** The profile of the number dialled as the carrier gave it; `known` false when it is not one of the line's numbers. */
  dialledProfile(to: string): Promise<Dialled & { known: boolean }>;
  rotaAt(at: Date): Promise<{ shifts: RotaShift[]; engineers: RotaEngineer[] }>;

  openCall(call: { id: string; carrier: CarrierName; carrierCallId: string; from: string; to: string; startedAt: Date }): Promise<void>;
  findCallId(carrier: CarrierName, carrierCallId: string): Promise<string | null>;
  /** Whether the call has been closed (its outcome written), so a step that closes a call last can tell it already ran. */
  callClosed(callId: string): Promise<boolean>;
  appendTimeline(entries: readonly TimelineEntry[]): Promise<void>;
  updateCall(callId: string, summary: CallSummary): Promise<void>;
  closeCall(callId: string, end: { outcome: CallOutcome; endReason: string; hangupCause: string | null; endedAt: Date } & CallSummary): Promise<void>;

  createTicket(ticket: NewTicket, at: Date): Promise<{ id: string; reference: string }>;
  markResponded(ticketId: string, by: Responder, at: Date): Promise<void>;
  flagTicket(ticketId: string, flag: 'escalation_failed' | 'caller_abandoned', at: Date): Promise<void>;
  /** The ladder is exhausted: flag the ticket and queue the duty manager's alert. True when it is queued now. */
  escalationFailed(ticketId: string, at: Date): Promise<boolean>;
  attachRecording(ticketId: string, recordingName: string, at: Date): Promise<void>;
  /** Queues the after-call text to a mobile (E.164), if SMS is configured and the account allows texts. */
  textCaller(ticketId: string, phone: string, text: string, at: Date): Promise<void>;
  ticketStatusView(accountId: string, reference: string): Promise<TicketStatusView | null>;

  /** PIN failures are security events: they go to the audit log. */
  auditPinFailure(detail: { accountNumber: string; callerPhone: string; locked: boolean; at: Date }): Promise<void>;
}
