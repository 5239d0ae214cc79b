// The SLA report in the route table (under /api, supervisors):
//   GET /reports/sla?month=2026-11            JSON: per account, and overall, for the month
//   GET /reports/sla?month=2026-11&format=csv the same as a CSV download
//   GET /reports/sla                          every month so far
// Months are UK calendar months of the tickets' opening. A bad month or format is 422.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { slaReport, type SlaReportRow } from '../../store/reports.ts';
import { SUPERVISORS } from '../auth/guards.ts';
import { csvLine } from '../console/csv.ts';
import { HttpError } from '../errors.ts';
import { route, type ApiRoute } from './route-table.ts';

const reportRow = z.object({
  month: z.string().describe('YYYY-MM, UK time, of the tickets\' opening'),
  account: z.object({ id: z.string(), number: z.string(), name: z.string() }).nullable(),
  overall: z.boolean(),
  tickets: z.number(),
  met: z.number(),
  breached: z.number(),
  shareMet: z.number().nullable(),
  responseMedianMinutes: z.number().nullable(),
  responseP90Minutes: z.number().nullable(),
  responded: z.number(),
  serviceCredits: z.number(),
  escalations: z.number().describe('The 48-hour complaint escalations that fell due'),
});

export const reportRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/reports/sla',
    operationId: 'slaReport',
    summary: 'SLA performance per account and overall, for one month or every month; format=csv gives the same as a CSV download',
    tag: 'reports',
    roles: SUPERVISORS,
    // Checked in the handler, so that a bad month or format is a 422 as it always was.
    query: z.object({
      month: z.string().optional().describe('YYYY-MM; every month when absent'),
      format: z.string().optional().describe('json (default) or csv'),
    }),
    response: z.object({ month: z.string().nullable(), accounts: z.array(reportRow), overall: z.array(reportRow) }),
    produces: 'text/csv',
    async handler({ deps, query, res }) {
      const { month, format = 'json' } = query;
      if (format !== 'json' && format !== 'csv') throw new HttpError(422, 'invalid', 'format must be json or csv');
      const rows = await slaReport(deps.db, month === undefined ? {} : monthWindow(month));
      if (format === 'csv') {
        res
          .type('text/csv; charset=utf-8')
          .attachment(`sla-${month ?? 'all'}.csv`)
          .send(slaReportCsv(rows));
        return undefined;
      }
      return { month: month ?? null, accounts: rows.filter((r) => !r.overall), overall: rows.filter((r) => r.overall) };
    },
  }),
];

/** `YYYY-MM` → the month's bounds in UK time. */
export function monthWindow(month: string): { from: Date; to: Date } {
  const start = /^\d{4}-(0[1-9]|1[0-2])$/.test(month)
    ? DateTime.fromISO(`${month}-01T00:00:00`, { zone: 'Europe/London' })
    : null;
  if (!start?.isValid) throw new HttpError(422, 'invalid', 'month must be YYYY-MM, e.g. 2026-11');
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

const CSV_COLUMNS = [
  'month',
  'account_number',
  'account_name',
  'tickets',
  'targets_met',
  'targets_breached',
  'share_met',
  'response_median_minutes',
  'response_p90_minutes',
  'responded',
  'service_credits',
  'complaint_escalations',
] as const;

/**
 * The report as CSV (RFC 4180, CRLF), cells as a spreadsheet will read them
 * (csvCell: an account name cannot become a formula); the overall rows say ALL
 * in the account columns.
 */
export function slaReportCsv(rows: readonly SlaReportRow[]): string {
  const lines = [csvLine(CSV_COLUMNS)];
  for (const r of rows) {
    lines.push(
      csvLine([
        r.month,
        r.overall ? 'ALL' : (r.account?.number ?? ''),
        r.overall ? 'All accounts' : (r.account?.name ?? '(no account)'),
        r.tickets,
        r.met,
        r.breached,
        r.shareMet,
        r.responseMedianMinutes,
        r.responseP90Minutes,
        r.responded,
        r.serviceCredits,
        r.escalations,
      ]),
    );
  }
  return lines.join('');
}
