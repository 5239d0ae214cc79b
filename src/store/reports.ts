// Reports over tickets and calls: SLA performance per account and month, and the
// calls nobody has accounted for. The SQL runs the same on Postgres and PGlite.
import type { Db } from './db.ts';
import { requireInstant } from './validate.ts';

export interface SlaReportRow {
  /** `YYYY-MM`, UK time, of the tickets' opening. */
  month: string;
  /** Null on the month's overall row, and for tickets of callers with no account. */
  account: { id: string; number: string; name: string } | null;
  /** True on the row that sums the month over every account. */
  overall: boolean;
  tickets: number;
  /** Targets kept (response, resolution, on-site, complaint acknowledgement and resolution). */
  met: number;
  breached: number;
  /** met / (met + breached); null when no target has been decided yet. */
  shareMet: number | null;
  /** Minutes from opening to the first response, over the tickets responded to. */
  responseMedianMinutes: number | null;
  responseP90Minutes: number | null;
  responded: number;
  serviceCredits: number;
  /** The 48-hour complaint escalations that fell due (duties, not targets). */
  escalations: number;
}

/**
 * Per account and month, plus an overall row per month, for tickets opened in
 * [from, to) (either end open). The 48-hour escalation and the ADR notice are
 * duties that fall due, not promises kept or missed, so they are not counted in
 * met and breached (escalations are counted on their own).
 */
export async function slaReport(db: Db, window: { from?: Date; to?: Date } = {}): Promise<SlaReportRow[]> {
  const rows = await db.query<{
    month: string;
    overall: number;
    account_id: string | null;
    number: string | null;
    name: string | null;
    tickets: string;
    met: string;
    breached: string;
    credits: string;
    escalations: string;
    responded: string;
    median: number | null;
    p90: number | null;
  }>(
    `with scope as (
       select t.id, t.account_id, t.opened_at, t.responded_at,
              to_char(t.opened_at at time zone 'Europe/London', 'YYYY-MM') as month
         from tickets t
        where ($1::timestamptz is null or t.opened_at >= $1) and ($2::timestamptz is null or t.opened_at < $2)
     ),
     per_ticket as (
       select s.ticket_id,
              count(*) filter (where s.state = 'met' and s.target not in ('complaint_escalation', 'adr_notice')) as met,
              count(*) filter (where s.state = 'breached' and s.target not in ('complaint_escalation', 'adr_notice')) as breached,
              count(*) filter (where s.service_credit) as credits,
              count(*) filter (where s.state = 'breached' and s.target = 'complaint_escalation') as escalations
         from sla_timers s join scope on scope.id = s.ticket_id
        group by s.ticket_id
     )
     select scope.month, grouping(scope.account_id) as overall, scope.account_id, a.number, a.name,
            count(*) as tickets,
            coalesce(sum(p.met), 0) as met,
            coalesce(sum(p.breached), 0) as breached,
            coalesce(sum(p.credits), 0) as credits,
            coalesce(sum(p.escalations), 0) as escalations,
            count(scope.responded_at) as responded,
            percentile_cont(0.5) within group (order by extract(epoch from scope.responded_at - scope.opened_at) / 60) as median,
            percentile_cont(0.9) within group (order by extract(epoch from scope.responded_at - scope.opened_at) / 60) as p90
       from scope
       left join per_ticket p on p.ticket_id = scope.id
       left join accounts a on a.id = scope.account_id
      group by grouping sets ((scope.month, scope.account_id, a.number, a.name), (scope.month))
      order by scope.month, grouping(scope.account_id), a.number nulls first`,
    [window.from ?? null, window.to ?? null],
  );
  return rows.map((r) => {
    const met = Number(r.met);
    const breached = Number(r.breached);
    return {
      month: r.month,
      account: r.account_id === null || r.overall ? null : { id: r.account_id, number: r.number ?? '', name: r.name ?? '' },
      overall: Number(r.overall) === 1,
      tickets: Number(r.tickets),
      met,
      breached,
      shareMet: met + breached === 0 ? null : round(met / (met + breached), 4),
      responseMedianMinutes: r.median === null ? null : round(Number(r.median), 1),
      responseP90Minutes: r.p90 === null ? null : round(Number(r.p90), 1),
      responded: Number(r.responded),
      serviceCredits: Number(r.credits),
      escalations: Number(r.escalations),
    };
  });
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;

// ---------------------------------------------------------------------------

export interface UnaccountedCall {
  id: string;
  carrier: string;
  from: string;
  startedAt: Date;
  endedAt: Date | null;
  outcome: string | null;
  /** `no ticket or reason` for an ended call; `never ended` for one still open after 6 hours. */
  problem: 'no ticket or reason' | 'never ended';
}

/** A call that has not ended after this long was lost (a carrier crashed mid-call). */
export const OPEN_CALL_LIMIT_MS = 6 * 3600_000;

/**
 * Every call must end with a ticket or a reason why not. Lists the calls started
 * since `since` that ended with neither, and every call still open more than 6
 * hours after it started (however long ago: it stays a problem until put right).
 */
export async function unaccountedCalls(db: Db, opts: { since: Date; now?: Date }): Promise<UnaccountedCall[]> {
  const since = requireInstant(opts.since, 'since');
  const now = requireInstant(opts.now ?? new Date(), 'now');
  const rows = await db.query<{
    id: string;
    carrier: string;
    from_number: string;
    started_at: Date;
    ended_at: Date | null;
    outcome: string | null;
  }>(
    `select c.id, c.carrier, c.from_number, c.started_at, c.ended_at, c.outcome
       from calls c
      where (c.started_at >= $1
             and c.ended_at is not null
             and c.ticket_id is null
             and coalesce(btrim(c.end_reason), '') = ''
             and not exists (select 1 from tickets t where t.call_id = c.id))
         or (c.ended_at is null and c.started_at < $2)
      order by c.started_at, c.id`,
    [since, new Date(now.getTime() - OPEN_CALL_LIMIT_MS)],
  );
  return rows.map((r) => ({
    id: r.id,
    carrier: r.carrier,
    from: r.from_number,
    startedAt: r.started_at,
    endedAt: r.ended_at,
    outcome: r.outcome,
    problem: r.ended_at === null ? 'never ended' : 'no ticket or reason',
  }));
}
