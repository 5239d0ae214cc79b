// Calls and their timelines. Written as the call runs, so every write is safe to
// repeat: a webhook retried or a step replayed after a restart changes nothing.
import type { Priority, Tier } from '../domain/contracts.ts';
import type { CallOutcome, CarrierName, MenuChoice, Route } from '../domain/flow/types.ts';
import type { Db } from './db.ts';
import { ConflictError, NotFoundError, ValidationError } from './errors.ts';
import { requireInstant, requireText } from './validate.ts';

export interface NewCall {
  /** A uuid the app generated. */
  id: string;
  carrier: CarrierName;
  carrierCallId: string;
  from: string;
  to: string;
  startedAt: Date;
}

export interface CallRecord {
  id: string;
  carrier: CarrierName;
  carrierCallId: string;
  from: string;
  to: string;
  accountId: string | null;
  tier: Tier | null;
  priority: Priority | null;
  menu: MenuChoice | null;
  route: Route | null;
  routeReason: string | null;
  outcome: CallOutcome | null;
  endReason: string | null;
  hangupCause: string | null;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  ticketId: string | null;
  recordingName: string | null;
  escalationFailed: boolean;
}

/** What the call service learns as the call goes on; null clears a field. */
export interface CallPatch {
  accountId?: string | null;
  tier?: Tier | null;
  priority?: Priority | null;
  menu?: MenuChoice | null;
  route?: Route | null;
  routeReason?: string | null;
  answeredAt?: Date | null;
  ticketId?: string | null;
  recordingName?: string | null;
  escalationFailed?: boolean;
  /** Set at the close; a hang-up that comes after it (the line's own, after the goodbye) fills it in. */
  hangupCause?: string | null;
}

export interface CallEnd {
  outcome: CallOutcome;
  endReason: string;
  hangupCause: string | null;
  endedAt: Date;
}

export interface CallEvent {
  seq: number;
  at: Date;
  type: string;
  detail: Record<string, unknown>;
}

const PATCH_COLUMNS: Record<keyof CallPatch, string> = {
  accountId: 'account_id',
  tier: 'tier',
  priority: 'priority',
  menu: 'menu',
  route: 'route',
  routeReason: 'route_reason',
  answeredAt: 'answered_at',
  ticketId: 'ticket_id',
  recordingName: 'recording_name',
  escalationFailed: 'escalation_failed',
  hangupCause: 'hangup_cause',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Records a call; opening the same call id again returns it unchanged (`created: false`). */
export async function openCall(db: Db, call: NewCall): Promise<{ call: CallRecord; created: boolean }> {
  requireCallId(call.id);
  requireInstant(call.startedAt, 'startedAt');
  const inserted = await db.query<CallRow>(
    `insert into calls (id, carrier, carrier_call_id, from_number, to_number, started_at)
     values ($1, $2, $3, $4, $5, $6)
     on conflict (id) do nothing returning *`,
    [call.id, call.carrier, requireText(call.carrierCallId, 'carrierCallId'), call.from, call.to, call.startedAt],
  );
  if (inserted[0]) return { call: toCall(inserted[0]), created: true };
  const existing = await getCall(db, call.id);
  if (!existing) throw new NotFoundError('call', call.id); // deleted between the two statements
  if (existing.carrier !== call.carrier || existing.carrierCallId !== call.carrierCallId) {
    throw new ConflictError(`call ${call.id} is already ${existing.carrier} call ${existing.carrierCallId}`);
  }
  return { call: existing, created: false };
}

/** Adds one step to the timeline; false when step `seq` is already there (a replay). */
export async function appendCallEvent(
  db: Db,
  callId: string,
  seq: number,
  at: Date,
  type: string,
  detail: Record<string, unknown> = {},
): Promise<boolean> {
  if (!Number.isInteger(seq) || seq < 0) throw new ValidationError('seq must be a whole number from 0', 'seq');
  const rows = await db.query(
    `insert into call_events (call_id, seq, at, type, detail) values ($1, $2, $3, $4, $5::jsonb)
     on conflict (call_id, seq) do nothing returning id`,
    [requireCallId(callId), seq, requireInstant(at, 'at'), requireText(type, 'type'), JSON.stringify(detail)],
  );
  return rows.length > 0;
}

export async function updateCall(db: Db, callId: string, patch: CallPatch): Promise<CallRecord> {
  requireCallId(callId);
  const sets: string[] = [];
  const params: unknown[] = [callId];
  for (const [key, column] of Object.entries(PATCH_COLUMNS) as [keyof CallPatch, string][]) {
    if (patch[key] === undefined) continue;
    params.push(patch[key]);
    sets.push(`${column} = $${params.length}`);
  }
  const rows =
    sets.length === 0
      ? await db.query<CallRow>('select * from calls where id = $1', params)
      : await db.query<CallRow>(`update calls set ${sets.join(', ')} where id = $1 returning *`, params);
  if (!rows[0]) throw new NotFoundError('call', callId);
  return toCall(rows[0]);
}

/** Ends the call; false when it had already ended (the first ending stands). */
export async function closeCall(db: Db, callId: string, end: CallEnd): Promise<boolean> {
  requireCallId(callId);
  const [row] = await db.query<{ found: boolean; closed: boolean }>(
    `with closed as (
       update calls set outcome = $2, end_reason = $3, hangup_cause = $4, ended_at = $5
        where id = $1 and ended_at is null returning id)
     select exists (select 1 from calls where id = $1) as found, exists (select 1 from closed) as closed`,
    [callId, end.outcome, end.endReason, end.hangupCause, requireInstant(end.endedAt, 'endedAt')],
  );
  if (!row?.found) throw new NotFoundError('call', callId);
  return row.closed;
}

export async function getCall(db: Db, id: string): Promise<CallRecord | null> {
  if (!UUID.test(id)) return null;
  const [row] = await db.query<CallRow>('select * from calls where id = $1', [id]);
  return row ? toCall(row) : null;
}

/** The call a carrier knows by its own id (a Twilio CallSid, an Asterisk channel id). */
export async function findCallByCarrierId(
  db: Db,
  carrier: CarrierName,
  carrierCallId: string,
): Promise<CallRecord | null> {
  const [row] = await db.query<CallRow>('select * from calls where carrier = $1 and carrier_call_id = $2', [
    carrier,
    carrierCallId,
  ]);
  return row ? toCall(row) : null;
}

export async function callTimeline(db: Db, id: string): Promise<CallEvent[]> {
  if (!UUID.test(id)) return [];
  const rows = await db.query<{ seq: number; at: Date; type: string; detail: Record<string, unknown> }>(
    'select seq, at, type, detail from call_events where call_id = $1 order by seq',
    [id],
  );
  return rows.map((r) => ({ seq: r.seq, at: r.at, type: r.type, detail: r.detail }));
}

function requireCallId(id: string): string {
  if (!UUID.test(id)) throw new ValidationError('call id must be a uuid', 'callId');
  return id;
}

interface CallRow {
  id: string;
  carrier: CarrierName;
  carrier_call_id: string;
  from_number: string;
  to_number: string;
  account_id: string | null;
  tier: Tier | null;
  priority: Priority | null;
  menu: MenuChoice | null;
  route: Route | null;
  route_reason: string | null;
  outcome: CallOutcome | null;
  end_reason: string | null;
  hangup_cause: string | null;
  started_at: Date;
  answered_at: Date | null;
  ended_at: Date | null;
  ticket_id: string | null;
  recording_name: string | null;
  escalation_failed: boolean;
}

function toCall(row: CallRow): CallRecord {
  return {
    id: row.id,
    carrier: row.carrier,
    carrierCallId: row.carrier_call_id,
    from: row.from_number,
    to: row.to_number,
    accountId: row.account_id,
    tier: row.tier,
    priority: row.priority,
    menu: row.menu,
    route: row.route,
    routeReason: row.route_reason,
    outcome: row.outcome,
    endReason: row.end_reason,
    hangupCause: row.hangup_cause,
    startedAt: row.started_at,
    answeredAt: row.answered_at,
    endedAt: row.ended_at,
    ticketId: row.ticket_id,
    recordingName: row.recording_name,
    escalationFailed: row.escalation_failed,
  };
}
