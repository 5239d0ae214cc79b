// Reports for the console (mounted at /api):
//   GET /reports/sla?month=2026-11            JSON: per account, and overall, for the month
//   GET /reports/sla?month=2026-11&format=csv the same as a CSV download
//   GET /reports/sla                          every month so far
// Months are UK calendar months of the tickets' opening.
import { Router } from 'express';
import { DateTime } from 'luxon';
import type { Db } from '../../store/db.ts';
import { slaReport, type SlaReportRow } from '../../store/reports.ts';
import { csvLine } from '../console/csv.ts';
import { HttpError } from '../errors.ts';

export interface ReportsRouterDeps {
  db: Db;
}

export function reportsRouter(deps: ReportsRouterDeps): Router {
  const router = Router();
  router.get('/reports/sla', async (req, res) => {
    const month = typeof req.query['month'] === 'string' ? req.query['month'] : undefined;
    const format = req.query['format'] ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new HttpError(422, 'invalid', 'format must be json or csv');
    const window = month === undefined ? {} : monthWindow(month);
    const rows = await slaReport(deps.db, window);
    if (format === 'csv') {
      res
        .type('text/csv; charset=utf-8')
        .attachment(`sla-${month ?? 'all'}.csv`)
        .send(slaReportCsv(rows));
      return;
    }
    res.json({
      month: month ?? null,
      accounts: rows.filter((r) => !r.overall),
      overall: rows.filter((r) => r.overall),
    });
  });
  return router;
}

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
