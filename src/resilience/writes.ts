// The call service's writes as plain JSON (so they can wait in the journal), and
// how each is applied to Postgres exactly once.
//
// Exactly once: each write carries a uuid, and applying it inserts that uuid into
// `outbox_applied` in the same transaction as the write itself. A second attempt
// (a replay after a crash, a lost acknowledgement, a direct attempt that timed out
// but committed) finds the uuid and changes nothing. Writes that are idempotent by
// their own keys (call ids are uuids, timeline rows are unique per (call, seq),
// one ticket per call) are also safe to apply outside that claim.
//
// Several instances each journal what they could not write, so one call's writes may
// sit in two journals and reach Postgres in any order. A write whose parent row (its
// call, its call's ticket) is not there yet is not refused: it waits (WaitingForError)
// and is tried again until the parent arrives from whichever journal holds it.
import type { CallRecords, CallSummary, TimelineEntry } from '../calls/records.ts';
import type { CallOutcome, CarrierName, NewTicket, Responder } from '../domain/flow/types.ts';
import type { Db } from '../store/db.ts';
import { ConflictError, NotFoundError, ValidationError } from '../store/errors.ts';

export type Write =
  | { op: 'openCall'; call: { id: string; carrier: CarrierName; carrierCallId: string; from: string; to: string; startedAt: string } }
  | { op: 'appendTimeline'; entries: { callId: string; seq: number; at: string; type: string; detail: Record<string, unknown> }[] }
  | { op: 'updateCall'; callId: string; summary: CallSummary }
  | {
      op: 'closeCall';
      callId: string;
      end: { outcome: CallOutcome; endReason: string; hangupCause: string | null; endedAt: string } & CallSummary;
    }
  /** `reference` was reserved ahead (references.ts); `provisionalId` is what the flow was told the ticket id is. */
  | { op: 'createTicket'; ticket: NewTicket; at: string; reference: string; provisionalId: string }
  // `engineerId` alone: a journal line written before the desk could respond.
  | ({ op: 'markResponded'; ticketId: string; at: string } & (Responder | { by: Responder }))
  | { op: 'flagTicket'; ticketId: string; flag: 'escalation_failed' | 'caller_abandoned'; at: string }
  | { op: 'attachRecording'; ticketId: string; recordingName: string; at: string }
  | { op: 'textCaller'; ticketId: string; phone: string; text: string; at: string }
  | { op: 'auditPinFailure'; detail: { accountNumber: string; callerPhone: string; locked: boolean; at: string } };

export type WriteOp = Write['op'];

/** The call a write belongs to, for logs. */
export function callOf(write: Write): string | null {
  switch (write.op) {
    case 'openCall':
      return write.call.id;
    case 'appendTimeline':
      return write.entries[0]?.callId ?? null;
    case 'updateCall':
    case 'closeCall':
      return write.callId;
    case 'createTicket':
      return write.ticket.callId;
    case 'markResponded':
    case 'flagTicket':
    case 'attachRecording':
    case 'textCaller':
      return provisionalCall(write.ticketId);
    case 'auditPinFailure':
      return null;
  }
}

// A ticket created while Postgres was away is known to the flow by a provisional id
// naming its call (one ticket per call), until Postgres gives it a real one.
const PROVISIONAL = 'pending-ticket:';

export function provisionalTicketId(callId: string): string {
  return `${PROVISIONAL}${callId}`;
}

export function provisionalCall(ticketId: string): string | null {
  return ticketId.startsWith(PROVISIONAL) ? ticketId.slice(PROVISIONAL.length) : null;
}

/** A write whose parent row is not in Postgres yet: it can apply once that row arrives. */
export class WaitingForError extends Error {
  override readonly name = 'WaitingForError';
  constructor(readonly missing: string) {
    super(`waiting for ${missing}, not in postgres yet`);
  }
}

/**
 * What a refused write means for its replay:
 * - `waiting`: a parent row is missing (another journal holds it): try again until it arrives;
 * - `permanent`: the write itself is at fault (bad data, a rule it breaks): it can never apply;
 * - `transient`: anything else (a deadlock, a serialization failure, a bug): try again.
 */
export type Refusal = 'waiting' | 'permanent' | 'transient';

export function classifyRefusal(err: unknown): Refusal {
  if (err instanceof WaitingForError) return 'waiting';
  if (err instanceof ValidationError || err instanceof ConflictError || err instanceof NotFoundError) return 'permanent';
  const code = (err as { code?: unknown } | null)?.code;
  // SQLSTATE class 22 (data exception) and 23 (integrity constraint): the row as written is wrong.
  if (typeof code === 'string' && /^2[23]/.test(code)) return 'permanent';
  return 'transient';
}

/** The parent row `write` needs that is not in Postgres, or null when it can apply. */
export async function missingParent(db: Db, write: Write): Promise<string | null> {
  const callId = parentCall(write);
  if (callId) {
    const [call] = await db.query('select 1 from calls where id = $1', [callId]);
    if (!call) return `call ${callId}`;
  }
  const ticketCall = 'ticketId' in write ? provisionalCall(write.ticketId) : null;
  if (ticketCall) {
    const [ticket] = await db.query('select 1 from tickets where call_id = $1', [ticketCall]);
    if (!ticket) return `the ticket of call ${ticketCall}`;
  }
  return null;
}

/** The call whose row must exist before `write` can apply. */
function parentCall(write: Write): string | null {
  switch (write.op) {
    case 'appendTimeline':
      return write.entries[0]?.callId ?? null;
    case 'updateCall':
    case 'closeCall':
      return write.callId;
    case 'createTicket':
      return write.ticket.callId;
    default:
      return null;
  }
}

/** The real ticket id behind a provisional one (or the id itself). */
export async function resolveTicketId(db: Db, ticketId: string): Promise<string> {
  const callId = provisionalCall(ticketId);
  if (!callId) return ticketId;
  const [row] = await db.query<{ id: string }>('select id from tickets where call_id = $1', [callId]);
  if (!row) throw new WaitingForError(`the ticket of call ${callId}`);
  return row.id;
}

export function timelineWrite(entries: readonly TimelineEntry[]): Write {
  return {
    op: 'appendTimeline',
    entries: entries.map((e) => ({ callId: e.callId, seq: e.seq, at: e.at.toISOString(), type: e.type, detail: e.detail })),
  };
}

/**
 * Applies `write` under claim `id` in one transaction. Returns false when the claim
 * was already there (applied before). `recordsOn` gives the port over the transaction.
 */
export async function applyWrite(db: Db, id: string, write: Write, recordsOn: (db: Db) => CallRecords): Promise<boolean> {
  return db.tx(async (tx) => {
    const claimed = await tx.query('insert into outbox_applied (id, op) values ($1, $2) on conflict (id) do nothing returning id', [
      id,
      write.op,
    ]);
    if (claimed.length === 0) {
      // The claim was taken by the line's own direct attempt, whose answer was lost
      // after Postgres committed it: that ticket's number was never told to anyone,
      // the reserved reference was. It becomes the ticket's (again: a replay is a no-op).
      if (write.op === 'createTicket' && write.reference) {
        await tx.query('update tickets set reference = $2 where call_id = $1 and reference <> $2', [write.ticket.callId, write.reference]);
      }
      return false;
    }
    const missing = await missingParent(tx, write);
    if (missing) throw new WaitingForError(missing);
    await applyUnclaimed(tx, write, recordsOn(tx));
    return true;
  });
}

async function applyUnclaimed(tx: Db, write: Write, records: CallRecords): Promise<void> {
  switch (write.op) {
    case 'openCall':
      return records.openCall({ ...write.call, startedAt: new Date(write.call.startedAt) });
    case 'appendTimeline': {
      const entries: TimelineEntry[] = [];
      for (const e of write.entries) {
        entries.push({ callId: e.callId, seq: e.seq, at: new Date(e.at), type: e.type, detail: await realTicketIds(tx, e.detail) });
      }
      return records.appendTimeline(entries);
    }
    case 'updateCall': {
      // The journals drain in any order: a summary from mid-call that arrives after the
      // call was closed is older than the one the close wrote, and must not replace it.
      const [call] = await tx.query<{ ended: boolean }>('select ended_at is not null as ended from calls where id = $1 for update', [write.callId]);
      if (call?.ended) return;
      return records.updateCall(write.callId, write.summary);
    }
    case 'closeCall':
      return records.closeCall(write.callId, { ...write.end, endedAt: new Date(write.end.endedAt) });
    case 'createTicket': {
      const [before] = await tx.query('select 1 from tickets where call_id = $1', [write.ticket.callId]);
      const created = await records.createTicket(write.ticket, new Date(write.at));
      // The caller was told the reserved reference: it is the ticket's reference. A ticket
      // another instance made directly meanwhile keeps its own (the one that caller heard).
      if (!before) await tx.query('update tickets set reference = $2 where id = $1 and reference <> $2', [created.id, write.reference]);
      return;
    }
    case 'markResponded':
      return records.markResponded(await resolveTicketId(tx, write.ticketId), 'by' in write ? write.by : write, new Date(write.at));
    case 'flagTicket':
      if (write.flag === 'escalation_failed') {
        await records.escalationFailed(await resolveTicketId(tx, write.ticketId), new Date(write.at));
        return;
      }
      return records.flagTicket(await resolveTicketId(tx, write.ticketId), write.flag, new Date(write.at));
    case 'attachRecording':
      return records.attachRecording(await resolveTicketId(tx, write.ticketId), write.recordingName, new Date(write.at));
    case 'textCaller':
      return records.textCaller(await resolveTicketId(tx, write.ticketId), write.phone, write.text, new Date(write.at));
    case 'auditPinFailure':
      return records.auditPinFailure({ ...write.detail, at: new Date(write.detail.at) });
  }
}

/**
 * Creates a call's ticket straight away, under claim `id` when this attempt is the
 * one that creates it. If the answer is lost (the connection drops after COMMIT),
 * the line journals the ticket under the same `id` with the reference it told the
 * caller, and the replay learns from the claim that this attempt did land.
 * A ticket already there (another instance made it) is returned without a claim.
 */
export async function createTicketUnderClaim(
  db: Db,
  id: string,
  ticket: NewTicket,
  at: Date,
  recordsOn: (db: Db) => CallRecords,
): Promise<{ id: string; reference: string }> {
  return db.tx(async (tx) => {
    const [existing] = await tx.query<{ id: string; reference: string }>('select id, reference from tickets where call_id = $1', [ticket.callId]);
    if (existing) return existing;
    await tx.query("insert into outbox_applied (id, op) values ($1, 'createTicket')", [id]);
    return recordsOn(tx).createTicket(ticket, at);
  });
}

/** Timeline details name the ticket the flow knew; once it exists, name the real one. */
async function realTicketIds(tx: Db, detail: Record<string, unknown>): Promise<Record<string, unknown>> {
  const ticketId = detail['ticketId'];
  const callId = typeof ticketId === 'string' ? provisionalCall(ticketId) : null;
  if (!callId) return detail;
  const [row] = await tx.query<{ id: string }>('select id from tickets where call_id = $1', [callId]);
  return row ? { ...detail, ticketId: row.id, provisionalTicketId: ticketId } : detail;
}
