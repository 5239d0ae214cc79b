// The console's call-to-ticket log: calls newest first with their account, ticket
// and SLA state, filtered, one page at a time by keyset on (started_at, id), so
// page 5,000 of a million calls costs what page 1 does. Never OFFSET.
import type { Tier } from '../domain/contracts.ts';
import type { CallOutcome, CarrierName, Route } from '../domain/flow/types.ts';
import type { Db } from './db.ts';
import { isId } from './validate.ts';

/** A ticket's SLA at a glance: its worst timer, read at `now`. */
export const SLA_STATES = ['breached', 'warning', 'running', 'paused', 'met'] as const;
export type SlaState = (typeof SLA_STATES)[number];

export interface CallLogFilter {
  /** started_at at or after. */
  from?: Date;
  /** started_at before. */
  to?: Date;
  accountNumber?: string;
  tier?: Tier;
  route?: Route;
  /** `in_progress`: not ended yet. */
  outcome?: CallOutcome | 'in_progress';
  carrier?: CarrierName;
  sla?: SlaState;
  /** Only calls on which this engineer was rung (an engineer's own log). */
  engineerId?: string;
}

export interface CallLogCursor {
  /** started_at to the microsecond (a Date would drop the microseconds Postgres keeps). */
  startedAt: string;
  id: string;
}

export interface CallLogRow {
  id: string;
  carrier: CarrierName;
  from: string;
  startedAt: Date;
  endedAt: Date | null;
  accountNumber: string | null;
  accountName: string | null;
  tier: Tier | null;
  priority: string | null;
  menu: string | null;
  route: Route | null;
  routeReason: string | null;
  outcome: CallOutcome | null;
  endReason: string | null;
  escalationFailed: boolean;
  recording: boolean;
  ticketId: string | null;
  ticketReference: string | null;
  ticketStatus: string | null;
  sla: SlaState | null;
  /** The engineer the caller was put through to, if any. */
  engineerName: string | null;
}

export interface CallLogPage {
  rows: CallLogRow[];
  /** Older rows follow: pass as `after`. */
  next: CallLogCursor | null;
  /** Newer rows precede: pass as `before`. */
  prev: CallLogCursor | null;
}

/**
 * The worst state of one ticket's timers at `now` (a parameter name), as a lateral
 * subquery: one index lookup per row by ticket id. (EXISTS tests here let the
 * planner hash every breached timer in the table first: 0.5 s on a million calls.)
 */
export function slaStateLateral(ticket: string, now: string, alias: string): string {
  return `left join lateral (
      select case
        when bool_or(st.state = 'breached' or (st.state = 'running' and st.due_at <= ${now})) then 'breached'
        when bool_or(st.state = 'running' and (st.warned_at is not null or st.warn_at <= ${now})) then 'warning'
        when bool_or(st.state = 'running') then 'running'
        when bool_or(st.state = 'paused') then 'paused'
        when bool_or(st.state = 'met') then 'met'
      end as sla
      from sla_timers st where st.ticket_id = ${ticket}.id) ${alias} on true`;
}

/** Calls where an engineer was rung: the timeline's engineer-rung steps (indexed). */
export function engineerRungSql(call: string, engineerParam: string): string {
  return `exists (select 1 from call_events er where er.call_id = ${call}.id and er.type = 'engineer-rung'
                   and er.detail ->> 'engineerId' = ${engineerParam})`;
}

const SELECT = (now: string) => `
  select c.id, c.carrier, c.from_number, c.started_at,
         to_char(c.started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at, c.ended_at, c.tier, c.priority, c.menu, c.route,
         c.route_reason, c.outcome, c.end_reason, c.escalation_failed, c.recording_name is not null as recording,
         a.number as account_number, a.name as account_name,
         t.id as ticket_id, t.reference as ticket_reference, t.status as ticket_status,
         s.sla,
         (select e.name from call_events b join engineers e on e.id::text = b.detail ->> 'engineerId'
           where b.call_id = c.id and b.type = 'bridge' order by b.seq limit 1) as engineer_name
    from calls c
    left join accounts a on a.id = c.account_id
    left join tickets t on t.call_id = c.id
    ${slaStateLateral('t', now, 's')}`;

interface Row {
  id: string;
  carrier: CarrierName;
  from_number: string;
  started_at: Date;
  cursor_at: string;
  ended_at: Date | null;
  tier: Tier | null;
  priority: string | null;
  menu: string | null;
  route: Route | null;
  route_reason: string | null;
  outcome: CallOutcome | null;
  end_reason: string | null;
  escalation_failed: boolean;
  recording: boolean;
  account_number: string | null;
  account_name: string | null;
  ticket_id: string | null;
  ticket_reference: string | null;
  ticket_status: string | null;
  sla: SlaState | null;
  engineer_name: string | null;
}

/**
 * Timers that can make a ticket's worst state `sla` (a superset: the lateral
 * subquery decides exactly). Indexed by state (migration 021).
 */
export function slaCandidateSql(sla: SlaState, now: string): string {
  switch (sla) {
    case 'breached':
      return `(st.state = 'breached' or (st.state = 'running' and st.due_at <= ${now}))`;
    case 'warning':
      return `(st.state = 'running' and st.due_at > ${now} and (st.warned_at is not null or st.warn_at <= ${now}))`;
    case 'running':
      return `(st.state = 'running' and st.due_at > ${now} and st.warned_at is null and (st.warn_at is null or st.warn_at > ${now}))`;
    case 'paused':
      return `st.state = 'paused'`;
    case 'met':
      return `st.state = 'met'`;
  }
}

/**
 * A sparse filter (an SLA state few tickets are in) would make an ordered scan read
 * the whole table to fill a page. When the
 * matching calls number at most this many, they are fetched by id and sorted;
 * when there are more, they are dense enough for the ordered scan to find a page soon.
 */
export const SPARSE_LIMIT = 5000;

/** The calls whose ticket may be in SLA state `sla`, when they are few (else null: the per-row test alone). */
async function sparseCallIds(db: Db, filter: CallLogFilter, now: Date): Promise<string[] | null> {
  if (!filter.sla) return null;
  const candidates = slaCandidateSql(filter.sla, '$1');
  // No DISTINCT, so the limit stops the scan early; a call may come back twice (two timers).
  const rows = await db.query<{ id: string }>(
    `select t.call_id as id from sla_timers st join tickets t on t.id = st.ticket_id
      where ${candidates} and t.call_id is not null limit ${SPARSE_LIMIT + 1}`,
    candidates.includes('$1') ? [now] : [],
  );
  return rows.length > SPARSE_LIMIT ? null : [...new Set(rows.map((r) => r.id))];
}

/**
 * Where the page's calls are chosen from, and the columns it is ordered by: one
 * engineer's calls come from their own index in the log's order (migration 167).
 */
interface Source {
  from: string;
  startedAt: string;
  id: string;
}
const ALL_CALLS: Source = { from: 'calls c', startedAt: 'c.started_at', id: 'c.id' };
const RUNG_CALLS: Source = { from: 'call_engineer_rungs r join calls c on c.id = r.call_id', startedAt: 'r.started_at', id: 'r.call_id' };

/** The where-clause for a filter; params are appended to `params` ($1 is already `now`). */
function whereFor(filter: CallLogFilter, params: unknown[], ids: string[] | null, source: Source): string[] {
  const where: string[] = [];
  const p = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  if (ids) where.push(`c.id = any(${p(ids)}::uuid[])`);
  if (filter.from) where.push(`${source.startedAt} >= ${p(filter.from)}`);
  if (filter.to) where.push(`${source.startedAt} < ${p(filter.to)}`);
  // By id, so the (account_id, started_at, id) index serves the page.
  if (filter.accountNumber !== undefined) where.push(`c.account_id = (select id from accounts where number = ${p(filter.accountNumber)})`);
  if (filter.tier) where.push(`c.tier = ${p(filter.tier)}`);
  if (filter.route) where.push(`c.route = ${p(filter.route)}`);
  if (filter.outcome === 'in_progress') where.push('c.ended_at is null');
  else if (filter.outcome) where.push(`c.outcome = ${p(filter.outcome)}`);
  if (filter.carrier) where.push(`c.carrier = ${p(filter.carrier)}`);
  if (filter.sla) where.push(`s.sla = ${p(filter.sla)}`);
  if (filter.engineerId !== undefined) {
    // A non-id can match no engineer; keep the query typed all the same.
    if (!isId(filter.engineerId)) where.push('false');
    else if (source === RUNG_CALLS) where.push(`r.engineer_id = ${p(filter.engineerId)}`);
    else where.push(`exists (select 1 from call_engineer_rungs er where er.engineer_id = ${p(filter.engineerId)} and er.call_id = c.id)`);
  }
  return where;
}

/**
 * Calls whose ticket has a running timer past due that the SLA watcher has not
 * recorded yet (it wakes every 30 s at most): breached all the same. Null when there
 * are more than SPARSE_LIMIT (the watcher is down): the exact per-row test then.
 * Found as the watcher finds them, by next_fire_at (a running timer's is its warning or
 * its due time, never later): that index holds only what is still to come, so Postgres
 * expects the few rows there are. By state and due_at it expected thousands (most
 * timers' due times are past) and started a parallel worker to find none: 39 ms of a
 * 52 ms page at 1M calls.
 */
async function overdueCallIds(db: Db, now: Date): Promise<string[] | null> {
  const rows = await db.query<{ id: string }>(
    `select t.call_id as id from sla_timers st join tickets t on t.id = st.ticket_id
      where st.next_fire_at <= $1 and st.state = 'running' and st.due_at <= $1 and t.call_id is not null
      limit ${SPARSE_LIMIT + 1}`,
    [now],
  );
  return rows.length > SPARSE_LIMIT ? null : [...new Set(rows.map((r) => r.id))];
}

export async function callLogPage(
  db: Db,
  filter: CallLogFilter,
  page: { after?: CallLogCursor | null; before?: CallLogCursor | null; limit: number; now: Date },
): Promise<CallLogPage> {
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 500);
  const params: unknown[] = [page.now];
  // Breached: the calls flagged sla_breached (migration 150, an index read) and the few
  // overdue ones not flagged yet, instead of working the SLA out row by row.
  const overdue = filter.sla === 'breached' ? await overdueCallIds(db, page.now) : null;
  const byFlag = overdue !== null;
  const rest: CallLogFilter = byFlag ? { ...filter, sla: undefined } : filter;
  // Without an SLA filter, an engineer's page is a range of their own index.
  const source = !filter.sla && filter.engineerId !== undefined && isId(filter.engineerId) ? RUNG_CALLS : ALL_CALLS;
  const where = whereFor(rest, params, await sparseCallIds(db, rest, page.now), source);
  const backwards = !page.after && !!page.before;
  const cursor = page.after ?? page.before ?? null;
  if (cursor) {
    params.push(cursor.startedAt, cursor.id);
    const a = `$${params.length - 1}::timestamptz`;
    const b = `$${params.length}::uuid`;
    const key = `(${source.startedAt}, ${source.id})`;
    where.push(backwards ? `${key} > (${a}, ${b})` : `${key} < (${a}, ${b})`);
  }
  params.push(limit + 1);
  const dir = backwards ? 'asc' : 'desc';
  const order = `order by c.started_at ${dir}, c.id ${dir}`;
  const sourceOrder = `order by ${source.startedAt} ${dir}, ${source.id} ${dir}`;
  const filtered = where.length ? `where ${where.join(' and ')}` : '';
  // Without an SLA filter the page's calls are chosen from the calls table alone, so the
  // account, ticket, SLA and engineer columns are worked out for one page of rows, not for
  // every candidate.
  const limitParam = `$${params.length}`;
  let sql: string;
  if (byFlag) {
    params.push(overdue);
    const also = where.length ? ` and ${where.join(' and ')}` : '';
    sql = `with page as (
             select u.id from (
               (select c.id, c.started_at from calls c where c.sla_breached${also} ${order} limit ${limitParam})
               union all
               (select c.id, c.started_at from calls c where not c.sla_breached and c.id = any($${params.length}::uuid[])${also} ${order} limit ${limitParam})
             ) u order by u.started_at ${dir}, u.id ${dir} limit ${limitParam})
           ${SELECT('$1')} where c.id in (select id from page) ${order}`;
  } else {
    sql = filter.sla
      ? `${SELECT('$1')} ${filtered} ${order} limit ${limitParam}`
      : `with page as (select c.id from ${source.from} ${filtered} ${sourceOrder} limit ${limitParam})
         ${SELECT('$1')} where c.id in (select id from page) ${order}`;
  }
  const rows = await db.query<Row>(sql, params);
  const more = rows.length > limit;
  const kept = rows.slice(0, limit);
  if (backwards) kept.reverse();
  const first = kept[0];
  const last = kept[kept.length - 1];
  const at = (r: Row | undefined) => (r ? { startedAt: r.cursor_at, id: r.id } : null);
  return {
    rows: kept.map(toRow),
    // Going forwards, older rows exist when we fetched one too many; going back, we came from them.
    next: backwards ? at(last) : more ? at(last) : null,
    prev: backwards ? (more ? at(first) : null) : cursor ? at(first) : null,
  };
}

/** Every row of the filtered log, newest first, a batch at a time (CSV export). */
export async function* callLogRows(db: Db, filter: CallLogFilter, now: Date, batch = 500): AsyncGenerator<CallLogRow> {
  let after: CallLogCursor | null = null;
  for (;;) {
    const page: CallLogPage = await callLogPage(db, filter, { after, limit: batch, now });
    for (const row of page.rows) yield row;
    if (!page.next) return;
    after = page.next;
  }
}

/** One call as the log shows it, or null. */
export async function callLogRow(db: Db, id: string, now: Date): Promise<CallLogRow | null> {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) return null;
  const [row] = await db.query<Row>(`${SELECT('$1')} where c.id = $2`, [now, id]);
  return row ? toRow(row) : null;
}

/** True when the engineer was rung on the call (what lets an engineer see it). */
export async function engineerWasRung(db: Db, callId: string, engineerId: string): Promise<boolean> {
  if (!isId(engineerId)) return false;
  const rows = await db.query(`select 1 from calls c where c.id = $1::uuid and ${engineerRungSql('c', '$2')}`, [
    callId,
    engineerId,
  ]);
  return rows.length > 0;
}

export function encodeCursor(c: CallLogCursor): string {
  return Buffer.from(`${c.startedAt}|${c.id}`).toString('base64url');
}

/** Null for anything that is not a cursor we made. */
export function decodeCursor(value: string): CallLogCursor | null {
  const text = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/.exec(text);
  if (!match) return null;
  const startedAt = match[1]!;
  return Number.isNaN(new Date(startedAt).getTime()) ? null : { startedAt, id: match[2]!.toLowerCase() };
}

function toRow(r: Row): CallLogRow {
  return {
    id: r.id,
    carrier: r.carrier,
    from: r.from_number,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    accountNumber: r.account_number,
    accountName: r.account_name,
    tier: r.tier,
    priority: r.priority,
    menu: r.menu,
    route: r.route,
    routeReason: r.route_reason,
    outcome: r.outcome,
    endReason: r.end_reason,
    escalationFailed: r.escalation_failed,
    recording: r.recording,
    ticketId: r.ticket_id,
    ticketReference: r.ticket_reference,
    ticketStatus: r.ticket_status,
    sla: r.sla,
    engineerName: r.engineer_name,
  };
}
