// GET /api/reports/trends?to=YYYY-MM: twelve months of the line's performance, and
// the same as CSV for a spreadsheet. Supervisors and admins.
import { z } from 'zod';
import { CREDIT_TIERS, monthlyTrends, TREND_OUTCOMES, TREND_ROUTES, type TrendMonth } from '../../store/trends.ts';
import { SUPERVISORS } from '../auth/guards.ts';
import { csvLine } from '../console/csv.ts';
import { localDate } from '../console/format.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { route, type ApiRoute } from './route-table.ts';

export const monthParam = z
  .string()
  .regex(/^(20[0-9]{2}|2100)-(0[1-9]|1[0-2])$/, 'must be a month between 2000-01 and 2100-12, e.g. 2026-11');

/** The last month shown: the one asked for, else the current UK month. */
export const lastMonthOf = (deps: ConsoleDeps, to: string | undefined) => to ?? localDate(deps.now()).slice(0, 7);

const CSV_COLUMNS = [
  'month',
  'calls',
  ...TREND_ROUTES.map((r) => `route_${r}`),
  ...TREND_OUTCOMES.map((o) => `outcome_${o}`),
  'answered_live_share',
  'response_met',
  'response_breached',
  'response_met_share',
  'response_median_minutes',
  'response_p90_minutes',
  ...CREDIT_TIERS.flatMap((t) => [`${t}_breaches`, `${t}_service_credits`]),
];

export function trendsCsv(rows: readonly TrendMonth[]): string {
  const lines = [csvLine(CSV_COLUMNS)];
  for (const m of rows) {
    lines.push(
      csvLine([
        m.month,
        m.calls,
        ...TREND_ROUTES.map((r) => m.byRoute[r]),
        ...TREND_OUTCOMES.map((o) => m.byOutcome[o]),
        m.answeredLiveShare,
        m.responseMet,
        m.responseBreached,
        m.responseMetShare,
        m.responseMedianMinutes,
        m.responseP90Minutes,
        ...CREDIT_TIERS.flatMap((t) => [m.byTier[t]?.breaches ?? 0, m.byTier[t]?.credits ?? 0]),
      ]),
    );
  }
  return lines.join('');
}

const counts = (keys: readonly string[]) => z.object(Object.fromEntries(keys.map((k) => [k, z.number().int()])));

export const trendRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/reports/trends',
    operationId: 'trends',
    summary: 'Twelve months to `to`: calls by route and outcome, answered-live share, response met %, median and p90 response, breaches and credits per tier',
    tag: 'reports',
    roles: SUPERVISORS,
    query: z.object({ to: monthParam.optional().describe('The last month shown; the current month when absent') }),
    response: z.object({
      months: z.array(
        z.object({
          month: z.string(),
          calls: z.number().int(),
          byRoute: counts(TREND_ROUTES),
          byOutcome: counts(TREND_OUTCOMES),
          answeredLiveShare: z.number().nullable(),
          responseMet: z.number().int(),
          responseBreached: z.number().int(),
          responseMetShare: z.number().nullable(),
          responseMedianMinutes: z.number().nullable(),
          responseP90Minutes: z.number().nullable(),
          byTier: z.record(z.string(), z.object({ breaches: z.number().int(), credits: z.number().int() })),
        }),
      ),
    }),
    async handler({ deps, query }) {
      return { months: await monthlyTrends(deps.db, lastMonthOf(deps, query.to)) };
    },
  }),
  route({
    method: 'get',
    path: '/reports/trends.csv',
    operationId: 'trendsCsv',
    summary: 'The same twelve months as CSV',
    tag: 'reports',
    roles: SUPERVISORS,
    query: z.object({ to: monthParam.optional() }),
    produces: 'text/csv',
    async handler({ deps, query, res }) {
      const last = lastMonthOf(deps, query.to);
      res.type('text/csv; charset=utf-8').attachment(`trends-to-${last}.csv`).send(trendsCsv(await monthlyTrends(deps.db, last)));
      return undefined;
    },
  }),
];
