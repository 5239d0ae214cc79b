// What the console reads about tickets: the list with each ticket's SLA at a
// glance, the timers about to breach, and whether an engineer may see a ticket
// (they responded to it, or were rung on its call). The lifecycle itself is the
// ticket service's (src/tickets/service.ts).
import type { Tier } from '../domain/contracts.ts';
import type { TicketStatus } from '../domain/flow/types.ts';
import { engineerRungSql, slaCandidateSql, slaStateLateral, SPARSE_LIMIT, type SlaState } from './call-log.ts';
import type { Db } from './db.ts';
import { isId } from './validate.ts';

export const OPEN_STATUSES: readonly TicketStatus[] = [
  'new', 'acknowledged', 'waiting_on_customer', 'onsite_decided', 'onsite', 'caller_abandoned',
];

export interface TicketListFilter {
  /** `open`: every status but resolved and closed. */
  status?: TicketStatus | 'open';
  accountNumber?: string;
  sla?: SlaState;
  engineerId?: string;
  /** "My tickets": the console user who owns them. */
  assignedTo?: string;
}

export interface TicketListRow {
  id: string;
  reference: string;
  kind: string;
  tier: Tier;
  priority: string | null;
  status: TicketStatus;
  summary: string;
  accountNumber: string | null;
  accountName: string | null;
  openedAt: Date;
  callId: string | null;
  sla: SlaState | null;
  /** The running timer due soonest. */
  nextTarget: string | null;
  nextDueAt: Date | null;
  /** The owner's name, when someone owns it. */
  assignee: string | null;
}

export interface TicketCursor {
  openedAt: string;
  id: string;
}

/** A ticket an engineer may see: they responded to it, or were rung on the call that raised it. */
/** The tickets an engineer may see: responded to, owned (through their user), or raised by a call they were rung on. */
export function engineerTicketSql(ticket: string, engineerParam: string): string {
  return `(${ticket}.responded_by::text = ${engineerParam}
           or ${ticket}.assigned_to in (select au.id from users au where au.engineer_id::text = ${engineerParam})
           or exists (select 1 from calls ec where ec.id = ${ticket}.call_id and ${engineerRungSql('ec', engineerParam)}))`;
}

export async function ticketList(
  db: Db,
  filter: TicketListFilter,
  page: { after?: TicketCursor | null; limit: number; now: Date },
): Promise<{ rows: TicketListRow[]; next: TicketCursor | null }> {
  const params: unknown[] = [page.now];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (filter.status === 'open') where.push(`t.status not in ('resolved', 'closed')`);
  else if (filter.status) where.push(`t.status = ${p(filter.status)}`);
  if (filter.accountNumber !== undefined) where.push(`a.number = ${p(filter.accountNumber)}`);
  if (filter.sla) {
    // As in the call log: a state few tickets are in is looked up first, not scanned for.
    const candidates = slaCandidateSql(filter.sla, '$1');
    const ids = await db.query<{ id: string }>(
      `select st.ticket_id as id from sla_timers st where ${candidates} limit ${SPARSE_LIMIT + 1}`,
      candidates.includes('$1') ? [page.now] : [],
    );
    if (ids.length <= SPARSE_LIMIT) where.push(`t.id = any(${p([...new Set(ids.map((r) => r.id))])}::bigint[])`);
    where.push(`s.sla = ${p(filter.sla)}`);
  }
  if (filter.engineerId !== undefined) where.push(isId(filter.engineerId) ? engineerTicketSql('t', p(filter.engineerId)) : 'false');
  if (filter.assignedTo !== undefined) where.push(isId(filter.assignedTo) ? `t.assigned_to = ${p(filter.assignedTo)}::bigint` : 'false');
  if (page.after) where.push(`(t.opened_at, t.id) < (${p(page.after.openedAt)}::timestamptz, ${p(page.after.id)}::bigint)`);
  const limit = Math.min(Math.max(Math.trunc(page.limit), 1), 200);
  const rows = await db.query<{
    id: string;
    reference: string;
    kind: string;
    tier: Tier;
    priority: string | null;
    status: TicketStatus;
    summary: string;
    account_number: string | null;
    account_name: string | null;
    opened_at: Date;
    cursor_at: string;
    call_id: string | null;
    sla: SlaState | null;
    next_target: string | null;
    next_due_at: Date | null;
    assignee: string | null;
  }>(
    `select t.id, t.reference, t.kind, t.tier, t.priority, t.status, t.summary, t.opened_at, t.call_id,
            (select au.name from users au where au.id = t.assigned_to) as assignee,
            to_char(t.opened_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as cursor_at,
            a.number as account_number, a.name as account_name,
            s.sla,
            n.target as next_target, n.due_at as next_due_at
       from tickets t
       left join accounts a on a.id = t.account_id
       ${slaStateLateral('t', '$1', 's')}
       left join lateral (select st.target, st.due_at from sla_timers st
                           where st.ticket_id = t.id and st.state = 'running' order by st.due_at limit 1) n on true
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by t.opened_at desc, t.id desc
      limit ${p(limit + 1)}`,
    params,
  );
  const kept = rows.slice(0, limit);
  const last = kept[kept.length - 1];
  return {
    rows: kept.map((r) => ({
      id: r.id,
      reference: r.reference,
      kind: r.kind,
      tier: r.tier,
      priority: r.priority,
      status: r.status,
      summary: r.summary,
      accountNumber: r.account_number,
      accountName: r.account_name,
      openedAt: r.opened_at,
      callId: r.call_id,
      sla: r.sla,
      nextTarget: r.next_target,
      nextDueAt: r.next_due_at,
      assignee: r.assignee,
    })),
    next: rows.length > limit && last ? { openedAt: last.cursor_at, id: last.id } : null,
  };
}

export async function ticketVisibleToEngineer(db: Db, reference: string, engineerId: string): Promise<boolean> {
  if (!isId(engineerId)) return false;
  const rows = await db.query(`select 1 from tickets t where t.reference = $1 and ${engineerTicketSql('t', '$2')}`, [
    reference,
    engineerId,
  ]);
  return rows.length > 0;
}

export interface AtRiskTimer {
  reference: string;
  ticketId: string;
  status: TicketStatus;
  accountNumber: string | null;
  accountName: string | null;
  target: string;
  dueAt: Date;
  warnAt: Date | null;
  /** At `now`: breached (past due), warning (past the 75% point) or running. */
  state: 'breached' | 'warning' | 'running';
}

/**
 * Timers of open tickets that need a human: every recorded breach (it stays here, first,
 * until someone resolves the ticket) and running timers due within `withinMs`, soonest first.
 */
export async function ticketsAtRisk(
  db: Db,
  now: Date,
  withinMs: number,
  opts: { engineerId?: string; limit?: number } = {},
): Promise<AtRiskTimer[]> {
  const params: unknown[] = [new Date(now.getTime() + withinMs), Math.min(opts.limit ?? 20, 100)];
  let scope = '';
  if (opts.engineerId !== undefined) {
    // An engineer user with no engineer link sees nothing; never bind a parameter the SQL does not use.
    if (isId(opts.engineerId)) {
      params.push(opts.engineerId);
      scope = `and ${engineerTicketSql('t', '$3')}`;
    } else {
      scope = 'and false';
    }
  }
  const rows = await db.query<{
    reference: string;
    ticket_id: string;
    status: TicketStatus;
    account_number: string | null;
    account_name: string | null;
    target: string;
    due_at: Date;
    warn_at: Date | null;
    warned_at: Date | null;
    state: string;
  }>(
    `select t.reference, t.id as ticket_id, t.status, a.number as account_number, a.name as account_name,
            st.target, st.due_at, st.warn_at, st.warned_at, st.state
       from sla_timers st
       join tickets t on t.id = st.ticket_id
       left join accounts a on a.id = t.account_id
      where (st.state = 'breached' or (st.state = 'running' and st.due_at <= $1))
        and t.status not in ('resolved', 'closed') ${scope}
      order by (st.state = 'breached') desc, st.due_at, st.id
      limit $2`,
    params,
  );
  return rows.map((r) => ({
    reference: r.reference,
    ticketId: r.ticket_id,
    status: r.status,
    accountNumber: r.account_number,
    accountName: r.account_name,
    target: r.target,
    dueAt: r.due_at,
    warnAt: r.warn_at,
    state: r.state === 'breached' || r.due_at <= now ? 'breached' : r.warned_at || (r.warn_at && r.warn_at <= now) ? 'warning' : 'running',
  }));
}

/** Response-time buckets for the reports' histogram: upper bounds in minutes (the last is open). */
export const RESPONSE_BUCKETS: readonly { label: string; upToMinutes: number | null }[] = [
  { label: '<15m', upToMinutes: 15 },
  { label: '15–30m', upToMinutes: 30 },
  { label: '½–1h', upToMinutes: 60 },
  { label: '1–2h', upToMinutes: 120 },
  { label: '2–4h', upToMinutes: 240 },
  { label: '4–8h', upToMinutes: 480 },
  { label: '8–24h', upToMinutes: 1440 },
  { label: '>1 day', upToMinutes: null },
];

/** How long tickets opened in [from, to) waited for their first response, bucketed. */
export async function responseTimeHistogram(db: Db, window: { from: Date; to: Date }): Promise<{ label: string; count: number }[]> {
  const bounds = RESPONSE_BUCKETS.flatMap((b) => (b.upToMinutes === null ? [] : [b.upToMinutes]));
  const rows = await db.query<{ bucket: number; n: string }>(
    `select width_bucket(extract(epoch from t.responded_at - t.opened_at) / 60, $3::float8[]) as bucket, count(*) as n
       from tickets t
      where t.opened_at >= $1 and t.opened_at < $2 and t.responded_at is not null
      group by 1`,
    [window.from, window.to, bounds],
  );
  // width_bucket gives 0 below the first bound, i for [bounds[i-1], bounds[i]), n at or above the last.
  const counts = RESPONSE_BUCKETS.map(() => 0);
  for (const r of rows) {
    const i = Math.min(Math.max(Number(r.bucket), 0), RESPONSE_BUCKETS.length - 1);
    counts[i]! += Number(r.n);
  }
  return RESPONSE_BUCKETS.map((b, i) => ({ label: b.label, count: counts[i]! }));
}
