// Service credits: the rules per tier (admins set them) and the monthly statement per
// account, as JSON and as the CSV billing imports (one row per credited breach).
import { DateTime } from 'luxon';
import { z } from 'zod';
import { pounds } from '../../domain/sla/credits.ts';
import { CREDIT_RULE_TIERS, creditStatements, listCreditRules, setCreditRule, type CreditStatement } from '../../store/credits.ts';
import { ADMINS, SUPERVISORS } from '../auth/guards.ts';
import { csvLine } from '../console/csv.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { localDate } from '../console/format.ts';
import { actorOf } from '../auth/session.ts';
import { route, type ApiRoute } from './route-table.ts';
import { monthParam } from './trends.ts';

/** `YYYY-MM` → its bounds in UK time. */
export function ukMonth(month: string): { from: Date; to: Date } {
  const start = DateTime.fromISO(`${month}-01T00:00:00`, { zone: 'Europe/London' });
  return { from: start.toJSDate(), to: start.plus({ months: 1 }).toJSDate() };
}

export const monthOrCurrent = (deps: ConsoleDeps, month: string | undefined) => month ?? localDate(deps.now()).slice(0, 7);

export const creditRuleBody = z
  .object({
    basis: z.enum(['percent', 'fixed']),
    percent: z.coerce.number().gt(0).max(100).optional().describe('Per breach, a percentage of the monthly fee (basis percent)'),
    amountPence: z.coerce.number().int().gt(0).max(100_000_000).optional().describe('Per breach, in pence (basis fixed)'),
    monthlyCapPercent: z.coerce.number().gt(0).max(100).optional().describe('The month never credits more than this share of the fee'),
  })
  .strict()
  .refine((b) => (b.basis === 'percent' ? b.percent !== undefined && b.amountPence === undefined : b.amountPence !== undefined && b.percent === undefined), {
    message: 'a percent rule takes percent, a fixed rule takes amountPence',
  });

const CSV_COLUMNS = [
  'month', 'account_number', 'account_name', 'tier', 'monthly_fee_gbp', 'ticket', 'target', 'due_at', 'breached_at',
  'credit_per_breach_gbp', 'account_month_total_gbp', 'capped', 'note',
] as const;

const gbp = (pence: number | null) => (pence === null ? '' : (pence / 100).toFixed(2));

export function creditsCsv(month: string, statements: readonly CreditStatement[]): string {
  const lines = [csvLine(CSV_COLUMNS)];
  for (const s of statements) {
    for (const l of s.lines) {
      lines.push(
        csvLine([
          month, s.account?.number ?? '', s.account?.name ?? '(no account)', s.tier, gbp(s.monthlyFeePence), l.reference, l.target,
          l.dueAt.toISOString(), l.breachedAt.toISOString(), gbp(s.amount.perBreachPence), gbp(s.amount.totalPence),
          s.amount.capped ? 'yes' : 'no', s.amount.missing ?? '',
        ]),
      );
    }
  }
  return lines.join('');
}

/** One line a person reads: "3 breaches × £12.00, capped at £30.00". */
export function statementText(s: CreditStatement): string {
  const n = `${s.lines.length} breach${s.lines.length === 1 ? '' : 'es'}`;
  if (s.amount.missing === 'no rule') return `${n}: no credit rule for ${s.tier} yet`;
  if (s.amount.missing === 'no monthly fee') return `${n}: the contract has no monthly fee recorded`;
  const total = pounds(s.amount.totalPence ?? 0);
  return `${n} × ${pounds(s.amount.perBreachPence ?? 0)} = ${total}${s.amount.capped ? ' (capped)' : ''}`;
}

const rule = z.object({
  tier: z.string(),
  basis: z.enum(['percent', 'fixed']),
  percent: z.number().nullable(),
  amountPence: z.number().int().nullable(),
  monthlyCapPercent: z.number().nullable(),
});
const date = z.string().describe('ISO 8601 instant');

export const creditRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/credit-rules',
    operationId: 'listCreditRules',
    summary: 'What a breach of a contracted target is worth, per tier',
    tag: 'reports',
    roles: SUPERVISORS,
    response: z.array(rule),
    async handler({ deps }) {
      return listCreditRules(deps.db);
    },
  }),
  route({
    method: 'put',
    path: '/credit-rules/{tier}',
    operationId: 'setCreditRule',
    summary: "Sets a tier's service credit rule (audited)",
    tag: 'reports',
    roles: ADMINS,
    params: z.object({ tier: z.enum(CREDIT_RULE_TIERS as ['Cat1', 'Cat2', 'Cat4']) }),
    body: creditRuleBody,
    response: rule,
    async handler({ deps, params, body, auth }) {
      return setCreditRule(
        deps.db,
        { tier: params.tier, basis: body.basis, percent: body.percent ?? null, amountPence: body.amountPence ?? null, monthlyCapPercent: body.monthlyCapPercent ?? null },
        actorOf(auth),
        deps.now(),
      );
    },
  }),
  route({
    method: 'get',
    path: '/reports/credits',
    operationId: 'creditStatements',
    summary: "The month's service credits per account: which tickets, which targets, how much",
    tag: 'reports',
    roles: SUPERVISORS,
    query: z.object({ month: monthParam.optional().describe('UK month of the breaches; the current month when absent') }),
    response: z.object({
      month: z.string(),
      statements: z.array(
        z.object({
          account: z.object({ id: z.string(), number: z.string(), name: z.string() }).nullable(),
          tier: z.string(),
          monthlyFeePence: z.number().int().nullable(),
          lines: z.array(z.object({ reference: z.string(), target: z.string(), dueAt: date, breachedAt: date })),
          amount: z.object({
            perBreachPence: z.number().int().nullable(),
            totalPence: z.number().int().nullable(),
            capped: z.boolean(),
            missing: z.enum(['no rule', 'no monthly fee']).nullable(),
          }),
        }),
      ),
    }),
    async handler({ deps, query }) {
      const month = monthOrCurrent(deps, query.month);
      return { month, statements: await creditStatements(deps.db, ukMonth(month)) };
    },
  }),
  route({
    method: 'get',
    path: '/reports/credits.csv',
    operationId: 'creditStatementsCsv',
    summary: 'The same as CSV for billing, one row per credited breach',
    tag: 'reports',
    roles: SUPERVISORS,
    query: z.object({ month: monthParam.optional() }),
    produces: 'text/csv',
    async handler({ deps, query, res }) {
      const month = monthOrCurrent(deps, query.month);
      res.type('text/csv; charset=utf-8').attachment(`service-credits-${month}.csv`).send(creditsCsv(month, await creditStatements(deps.db, ukMonth(month))));
      return undefined;
    },
  }),
];
