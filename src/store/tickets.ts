// Tickets and their audit trail. A ticket is written with the promise it was given
// (one SLA timer per planned target, ./sla-timers.ts), in one transaction, so a
// ticket never exists without its timers: the phone line's here (createTicket), a
// complaint from the console or the API through the same insert.
import type { Priority, Tier } from '../domain/contracts.ts';
import { CUSTOMER_PROMISES } from '../domain/flow/speech.ts';
import type { NewTicket, PlannedTarget, Route, TicketKind, TicketStatus, TicketStatusView } from '../domain/flow/types.ts';
import type { Db } from './db.ts';
import { NotFoundError } from './errors.ts';
import { insertTimers, ticketTimers, type StoredTimer } from './sla-timers.ts';
import { addTicketEvent } from './ticket-lifecycle.ts';
import { isId, requireInstant, requireText } from './validate.ts';

export type TicketChannel = 'phone' | 'console' | 'api';
export type TicketFlag = 'escalation_failed' | 'caller_abandoned';

export interface TicketRecord {
  id: string;
  reference: string;
  accountId: string | null;
  callId: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  channel: TicketChannel;
  status: TicketStatus;
  route: Route | null;
  summary: string;
  adHocAccepted: boolean | null;
  escalationFailed: boolean;
  recordingName: string | null;
  openedAt: Date;
  respondedAt: Date | null;
  /** Engineer id. */
  respondedBy: string | null;
  /** The desk that answered the call live (its first response), when it was not an engineer. */
  respondedDesk: 'support' | 'billing' | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface TicketEventRecord {
  at: Date;
  actor: string;
  type: string;
  detail: Record<string, unknown>;
}

export interface TicketDetail extends TicketRecord {
  timers: StoredTimer[];
  events: TicketEventRecord[];
}

/** Who the phone line acts as in a ticket's audit trail. */
const LINE_ACTOR = 'line';

export interface TicketToInsert {
  accountId: string | null;
  /** Null for a ticket raised without a call (a complaint from the console or the API). */
  callId: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  channel: TicketChannel;
  route: Route | null;
  summary: string;
  adHocAccepted: boolean | null;
  openedAt: Date;
  targets: readonly PlannedTarget[];
  /** The incident this ticket joins (its parent holds the SLA clock). */
  incidentId?: string | null | undefined;
}

/**
 * Writes a ticket and its timers in the caller's transaction. Null when its call
 * already has a ticket (another instance got there first): a call raises one.
 */
export async function insertTicket(tx: Db, t: TicketToInsert, at: Date): Promise<{ id: string; reference: string } | null> {
  const [created] = await tx.query<{ id: string; reference: string }>(
    `insert into tickets (account_id, call_id, kind, tier, priority, channel, route, summary,
                          ad_hoc_accepted, opened_at, created_at, updated_at, incident_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11, $12)
     on conflict (call_id) do nothing returning id, reference`,
    [t.accountId, t.callId, t.kind, t.tier, t.priority, t.channel, t.route, t.summary, t.adHocAccepted,
      requireInstant(t.openedAt, 'openedAt'), requireInstant(at, 'at'), t.incidentId ?? null],
  );
  if (!created) return null;
  await insertTimers(tx, created.id, t.targets, at);
  return created;
}

/**
 * Opens the ticket a call raised, with its timers and a 'created' event, and links
 * the call to it. Once per call: creating again for the same call returns the first.
 */
export async function createTicket(
  db: Db,
  t: NewTicket,
  at: Date,
): Promise<{ id: string; reference: string }> {
  const openedAt = requireInstant(new Date(t.openedAt), 'openedAt');
  return db.tx(async (tx) => {
    const existing = await ticketForCall(tx, t.callId);
    if (existing) return existing;
    const created = await insertTicket(tx, { ...t, channel: 'phone', openedAt }, at);
    // Another instance created it between our look and our insert.
    if (!created) return (await ticketForCall(tx, t.callId))!;
    await addTicketEvent(tx, created.id, at, LINE_ACTOR, 'created', {
      callId: t.callId,
      kind: t.kind,
      tier: t.tier,
      priority: t.priority,
      route: t.route,
      adHocAccepted: t.adHocAccepted,
      targets: t.targets,
      ...(t.incidentId ? { incidentId: t.incidentId } : {}),
    });
    await tx.query('update calls set ticket_id = $2 where id = $1', [t.callId, created.id]);
    return created;
  });
}

/**
 * Marks what went wrong on the call: every escalation leg failed, or the caller hung
 * up before being helped (only a ticket nobody has picked up becomes `caller_abandoned`).
 */
export async function flagTicket(db: Db, ticketId: string, flag: TicketFlag, at: Date = new Date()): Promise<void> {
  const change =
    flag === 'escalation_failed'
      ? 'escalation_failed = true'
      : `status = case when status = 'new' then 'caller_abandoned' else status end`;
  await db.tx(async (tx) => {
    const rows = await tx.query(`update tickets set ${change}, updated_at = $2 where id = $1 returning id`, [
      requireTicketId(ticketId),
      requireInstant(at, 'at'),
    ]);
    if (rows.length === 0) throw new NotFoundError('ticket', ticketId);
    await addTicketEvent(tx, ticketId, at, LINE_ACTOR, 'flagged', { flag });
  });
}

export async function attachRecording(db: Db, ticketId: string, name: string, at: Date = new Date()): Promise<void> {
  await db.tx(async (tx) => {
    // Attaching the same recording again (a replay, a second sweep) changes nothing.
    const [row] = await tx.query<{ changed: boolean }>(
      `with changed as (
         update tickets set recording_name = $2, updated_at = $3
          where id = $1 and recording_name is distinct from $2 returning id)
       select exists (select 1 from changed) as changed from tickets where id = $1`,
      [requireTicketId(ticketId), requireText(name, 'recordingName'), requireInstant(at, 'at')],
    );
    if (!row) throw new NotFoundError('ticket', ticketId);
    if (row.changed) await addTicketEvent(tx, ticketId, at, LINE_ACTOR, 'recording', { name });
  });
}

/** What a caller may hear about one of their own tickets; null if it is not theirs. */
export async function ticketStatusView(db: Db, accountId: string, reference: string): Promise<TicketStatusView | null> {
  if (!isId(accountId)) return null;
  const [row] = await db.query<{ reference: string; kind: TicketKind; status: TicketStatus; next_due_at: Date | null }>(
    `select t.reference, t.kind, t.status,
            (select min(due_at) from sla_timers s
              where s.ticket_id = t.id and s.state = 'running' and s.target = any($3::text[])) as next_due_at
       from tickets t where t.account_id = $1 and t.reference = $2`,
    [accountId, reference, CUSTOMER_PROMISES],
  );
  if (!row) return null;
  return { reference: row.reference, kind: row.kind, status: row.status, nextDueAt: row.next_due_at?.toISOString() ?? null };
}

/** A ticket by id or by reference, with its timers and audit trail. */
export async function getTicket(
  db: Db,
  key: { id: string } | { reference: string },
): Promise<TicketDetail | null> {
  const byId = 'id' in key;
  if (byId && !isId(key.id)) return null;
  const [row] = await db.query<TicketRow>(`select * from tickets where ${byId ? 'id' : 'reference'} = $1`, [
    byId ? key.id : key.reference,
  ]);
  if (!row) return null;
  const timers = await ticketTimers(db, row.id);
  const events = await db.query<TicketEventRecord>(
    'select at, actor, type, detail from ticket_events where ticket_id = $1 order by at, id',
    [row.id],
  );
  return { ...toTicket(row), timers, events };
}

// ---------------------------------------------------------------------------

async function ticketForCall(db: Db, callId: string): Promise<{ id: string; reference: string } | null> {
  const [row] = await db.query<{ id: string; reference: string }>(
    'select id, reference from tickets where call_id = $1',
    [callId],
  );
  return row ?? null;
}

function requireTicketId(id: string): string {
  if (!isId(id)) throw new NotFoundError('ticket', id);
  return id;
}

interface TicketRow {
  id: string;
  reference: string;
  account_id: string | null;
  call_id: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  channel: TicketChannel;
  status: TicketStatus;
  route: Route | null;
  summary: string;
  ad_hoc_accepted: boolean | null;
  escalation_failed: boolean;
  recording_name: string | null;
  opened_at: Date;
  responded_at: Date | null;
  responded_by: string | null;
  responded_desk: 'support' | 'billing' | null;
  created_at: Date;
  updated_at: Date;
}

function toTicket(row: TicketRow): TicketRecord {
  return {
    id: row.id,
    reference: row.reference,
    accountId: row.account_id,
    callId: row.call_id,
    kind: row.kind,
    tier: row.tier,
    priority: row.priority,
    channel: row.channel,
    status: row.status,
    route: row.route,
    summary: row.summary,
    adHocAccepted: row.ad_hoc_accepted,
    escalationFailed: row.escalation_failed,
    recordingName: row.recording_name,
    openedAt: row.opened_at,
    respondedAt: row.responded_at,
    respondedBy: row.responded_by,
    respondedDesk: row.responded_desk ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
