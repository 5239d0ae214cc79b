// Month by month over a year: how many calls, where they went and how they ended,
// how often a person answered, how often the response target was kept and how long
// a first response took, and the breaches and service credits per tier. The
// supervisor's view of whether the line is getting better or worse.
import { DateTime } from 'luxon';
import { TIERS, type Tier } from '../domain/contracts.ts';
import type { Db } from './db.ts';

const ZONE = 'Europe/London';
export const TREND_ROUTES = ['desk', 'oncall', 'voicemail', 'none'] as const;
export const TREND_OUTCOMES = ['desk', 'engineer', 'message', 'informed', 'abandoned', 'refused', 'in_progress'] as const;
export const CREDIT_TIERS: readonly Tier[] = TIERS.filter((t) => t !== 'None');

export interface TrendMonth {
  /** `YYYY-MM`, UK time. */
  month: string;
  calls: number;
  byRoute: Record<(typeof TREND_ROUTES)[number], number>;
  byOutcome: Record<(typeof TREND_OUTCOMES)[number], number>;
  /** Calls a person answered (the desk or an engineer) over all calls; null with no calls. */
  answeredLiveShare: number | null;
  responseMet: number;
  responseBreached: number;
  /** Response targets met over those decided; null when none was decided. */
  responseMetShare: number | null;
  responseMedianMinutes: number | null;
  responseP90Minutes: number | null;
  /** Breached targets and service credits earned, by the ticket's tier. */
  byTier: Record<string, { breaches: number; credits: number }>;
}

/** The twelve UK months ending with `lastMonth` (`YYYY-MM`), oldest first. */
export function twelveMonths(lastMonth: string): { months: string[]; from: Date; to: Date } {
  const end = DateTime.fromISO(`${lastMonth}-01T00:00:00`, { zone: ZONE });
  const start = end.minus({ months: 11 });
  const months = Array.from({ length: 12 }, (_, i) => start.plus({ months: i }).toFormat('yyyy-MM'));
  return { months, from: start.toJSDate(), to: end.plus({ months: 1 }).toJSDate() };
}

export async function monthlyTrends(db: Db, lastMonth: string): Promise<TrendMonth[]> {
  const { months, from, to } = twelveMonths(lastMonth);
  const [calls, responses, tiers] = await Promise.all([
    db.query<{ month: string; route: string | null; outcome: string | null; n: string }>(
      `select to_char(c.started_at at time zone '${ZONE}', 'YYYY-MM') as month, c.route, c.outcome, count(*) as n
         from calls c where c.started_at >= $1 and c.started_at < $2
        group by 1, 2, 3`,
      [from, to],
    ),
    db.query<{ month: string; met: string; breached: string; median: number | null; p90: number | null }>(
      `select to_char(t.opened_at at time zone '${ZONE}', 'YYYY-MM') as month,
              count(*) filter (where s.state = 'met') as met,
              count(*) filter (where s.state = 'breached') as breached,
              percentile_cont(0.5) within group (order by extract(epoch from t.responded_at - t.opened_at) / 60)
                filter (where t.responded_at is not null) as median,
              percentile_cont(0.9) within group (order by extract(epoch from t.responded_at - t.opened_at) / 60)
                filter (where t.responded_at is not null) as p90
         from tickets t left join sla_timers s on s.ticket_id = t.id and s.target = 'response'
        where t.opened_at >= $1 and t.opened_at < $2
        group by 1`,
      [from, to],
    ),
    db.query<{ month: string; tier: string; breaches: string; credits: string }>(
      `select to_char(t.opened_at at time zone '${ZONE}', 'YYYY-MM') as month, t.tier,
              count(*) filter (where s.state = 'breached' and s.target not in ('complaint_escalation', 'adr_notice')) as breaches,
              count(*) filter (where s.service_credit) as credits
         from tickets t join sla_timers s on s.ticket_id = t.id
        where t.opened_at >= $1 and t.opened_at < $2
        group by 1, 2`,
      [from, to],
    ),
  ]);
  return months.map((month) => {
    const byRoute = Object.fromEntries(TREND_ROUTES.map((r) => [r, 0])) as TrendMonth['byRoute'];
    const byOutcome = Object.fromEntries(TREND_OUTCOMES.map((o) => [o, 0])) as TrendMonth['byOutcome'];
    let total = 0;
    for (const c of calls.filter((x) => x.month === month)) {
      const n = Number(c.n);
      total += n;
      byRoute[(c.route ?? 'none') as keyof typeof byRoute] += n;
      byOutcome[(c.outcome ?? 'in_progress') as keyof typeof byOutcome] += n;
    }
    const r = responses.find((x) => x.month === month);
    const met = Number(r?.met ?? 0);
    const breached = Number(r?.breached ?? 0);
    const byTier = Object.fromEntries(CREDIT_TIERS.map((t) => [t, { breaches: 0, credits: 0 }]));
    for (const t of tiers.filter((x) => x.month === month)) {
      byTier[t.tier] = { breaches: Number(t.breaches), credits: Number(t.credits) };
    }
    return {
      month,
      calls: total,
      byRoute,
      byOutcome,
      answeredLiveShare: total ? round((byOutcome.desk + byOutcome.engineer) / total, 4) : null,
      responseMet: met,
      responseBreached: breached,
      responseMetShare: met + breached ? round(met / (met + breached), 4) : null,
      responseMedianMinutes: r?.median == null ? null : round(Number(r.median), 1),
      responseP90Minutes: r?.p90 == null ? null : round(Number(r.p90), 1),
      byTier,
    };
  });
}

const round = (n: number, places: number) => Math.round(n * 10 ** places) / 10 ** places;
