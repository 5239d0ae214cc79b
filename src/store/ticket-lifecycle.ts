// The ticket rows the lifecycle changes: status, the response, the audit trail, and
// tasks such as the ADR notice. Timers are in ./sla-timers.ts; opening a ticket
// (from a call, or a complaint from the console or the API) is in ./tickets.ts.
import type { Priority, Tier } from '../domain/contracts.ts';
import type { TicketKind, TicketStatus } from '../domain/flow/types.ts';
import type { Db } from './db.ts';
import { isId, requireInstant, requireText } from './validate.ts';

export interface LifecycleTicket {
  id: string;
  reference: string;
  accountId: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  status: TicketStatus;
  statusBeforeWait: TicketStatus | null;
  openedAt: Date;
  respondedAt: Date | null;
}

interface Row {
  id: string;
  reference: string;
  account_id: string | null;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  status: TicketStatus;
  status_before_wait: TicketStatus | null;
  opened_at: Date;
  responded_at: Date | null;
}

const toTicket = (r: Row): LifecycleTicket => ({
  id: r.id,
  reference: r.reference,
  accountId: r.account_id,
  kind: r.kind,
  tier: r.tier,
  priority: r.priority,
  status: r.status,
  statusBeforeWait: r.status_before_wait,
  openedAt: r.opened_at,
  respondedAt: r.responded_at,
});

const COLUMNS = 'id, reference, account_id, kind, tier, priority, status, status_before_wait, opened_at, responded_at';

/**
 * The ticket with this reference, locked for the rest of the transaction; null if none.
 * `for no key update`: it keeps other changes to the ticket out but not the SLA
 * watcher's writes that merely refer to it (an event, a notification), so the
 * watcher holding a timer and an action holding the ticket cannot deadlock. Lock
 * order everywhere: the ticket, then its timers.
 */
export async function lockTicketByReference(tx: Db, reference: string): Promise<LifecycleTicket | null> {
  const [row] = await tx.query<Row>(`select ${COLUMNS} from tickets where reference = $1 for no key update`, [reference]);
  return row ? toTicket(row) : null;
}

/** The ticket with this id, locked as lockTicketByReference locks it; null if none. */
export async function lockTicketById(tx: Db, id: string): Promise<LifecycleTicket | null> {
  if (!isId(id)) return null;
  const [row] = await tx.query<Row>(`select ${COLUMNS} from tickets where id = $1 for no key update`, [id]);
  return row ? toTicket(row) : null;
}

export async function updateTicketStatus(
  tx: Db,
  id: string,
  change: { status: TicketStatus; statusBeforeWait: TicketStatus | null; respondedAt: Date | null },
  at: Date,
): Promise<void> {
  await tx.query(
    `update tickets set status = $2, status_before_wait = $3,
            responded_at = coalesce(responded_at, $4), updated_at = $5
      where id = $1`,
    [id, change.status, change.statusBeforeWait, change.respondedAt, at],
  );
}

/** The ticket's first response: by which engineer and when, and the status it leaves. */
export async function recordResponse(
  tx: Db,
  id: string,
  change: { engineerId: string | null; desk: 'support' | 'billing' | null; status: TicketStatus; statusBeforeWait: TicketStatus | null },
  at: Date,
): Promise<void> {
  await tx.query(
    `update tickets set responded_at = $2, responded_by = $3, responded_desk = $6, status = $4, status_before_wait = $5,
            updated_at = greatest(updated_at, $2)
      where id = $1`,
    [id, at, change.engineerId, change.status, change.statusBeforeWait, change.desk],
  );
}

/** Locks the tickets (in id order, the ticket-before-timers order) ahead of changing their timers. */
export async function lockTickets(tx: Db, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await tx.query('select id from tickets where id = any($1::bigint[]) order by id for no key update', [[...new Set(ids)]]);
}

export async function touchTicket(tx: Db, id: string, at: Date): Promise<void> {
  await tx.query('update tickets set updated_at = greatest(updated_at, $2) where id = $1', [id, at]);
}

export async function addTicketEvent(
  tx: Db,
  ticketId: string,
  at: Date,
  actor: string,
  type: string,
  detail: Record<string, unknown> = {},
): Promise<void> {
  await tx.query('insert into ticket_events (ticket_id, at, actor, type, detail) values ($1, $2, $3, $4, $5::jsonb)', [
    ticketId,
    requireInstant(at, 'at'),
    requireText(actor, 'actor'),
    type,
    JSON.stringify(detail),
  ]);
}

// ---------------------------------------------------------------------------
// Tasks

export type TaskKind = 'adr_notice';

export interface TaskRecord {
  id: string;
  ticketId: string;
  kind: TaskKind;
  title: string;
  createdAt: Date;
  doneAt: Date | null;
  doneBy: string | null;
}

interface TaskRow {
  id: string;
  ticket_id: string;
  kind: TaskKind;
  title: string;
  created_at: Date;
  done_at: Date | null;
  done_by: string | null;
}

const toTask = (r: TaskRow): TaskRecord => ({
  id: r.id,
  ticketId: r.ticket_id,
  kind: r.kind,
  title: r.title,
  createdAt: r.created_at,
  doneAt: r.done_at,
  doneBy: r.done_by,
});

/** Opens the task once; a second call returns null and leaves the first as it is. */
export async function openTask(tx: Db, ticketId: string, kind: TaskKind, title: string, at: Date): Promise<TaskRecord | null> {
  const [row] = await tx.query<TaskRow>(
    `insert into ticket_tasks (ticket_id, kind, title, created_at) values ($1, $2, $3, $4)
     on conflict (ticket_id, kind) do nothing returning *`,
    [ticketId, kind, title, at],
  );
  return row ? toTask(row) : null;
}

export async function lockTask(tx: Db, ticketId: string, kind: TaskKind): Promise<TaskRecord | null> {
  const [row] = await tx.query<TaskRow>('select * from ticket_tasks where ticket_id = $1 and kind = $2 for update', [
    ticketId,
    kind,
  ]);
  return row ? toTask(row) : null;
}

export async function completeTask(tx: Db, id: string, actor: string, at: Date): Promise<void> {
  await tx.query('update ticket_tasks set done_at = $2, done_by = $3 where id = $1 and done_at is null', [id, at, actor]);
}

export async function ticketTasks(db: Db, ticketId: string): Promise<TaskRecord[]> {
  const rows = await db.query<TaskRow>('select * from ticket_tasks where ticket_id = $1 order by id', [ticketId]);
  return rows.map(toTask);
}

/** Tasks not yet done, oldest first (the console's to-do list). */
export async function openTasks(db: Db, limit = 200): Promise<(TaskRecord & { reference: string })[]> {
  const rows = await db.query<TaskRow & { reference: string }>(
    `select k.*, t.reference from ticket_tasks k join tickets t on t.id = k.ticket_id
      where k.done_at is null order by k.created_at, k.id limit $1`,
    [limit],
  );
  return rows.map((r) => ({ ...toTask(r), reference: r.reference }));
}

// ---------------------------------------------------------------------------

export interface AlertTicket {
  id: string;
  reference: string;
  kind: TicketKind;
  tier: Tier;
  priority: Priority | null;
  account: { number: string; name: string } | null;
}

/** What a notification says about each ticket. */
export async function alertTickets(db: Db, ids: readonly string[]): Promise<Map<string, AlertTicket>> {
  if (ids.length === 0) return new Map();
  const rows = await db.query<{
    id: string;
    reference: string;
    kind: TicketKind;
    tier: Tier;
    priority: Priority | null;
    number: string | null;
    name: string | null;
  }>(
    `select t.id, t.reference, t.kind, t.tier, t.priority, a.number, a.name
       from tickets t left join accounts a on a.id = t.account_id
      where t.id = any($1::bigint[])`,
    [[...new Set(ids)]],
  );
  return new Map(
    rows.map((r) => [
      r.id,
      {
        id: r.id,
        reference: r.reference,
        kind: r.kind,
        tier: r.tier,
        priority: r.priority,
        account: r.number === null ? null : { number: r.number, name: r.name ?? '' },
      },
    ]),
  );
}
