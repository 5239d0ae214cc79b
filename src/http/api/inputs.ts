// Input shapes shared by the API and the console's forms: ids, UK dates and
// instants, and the call log's filters. An HTML form and a JSON client send the
// same fields, so one schema validates both.
import { DateTime } from 'luxon';
import { z } from 'zod';
import { TIERS } from '../../domain/contracts.ts';
import { hasNul, instantProblem, isRowId, yearProblem } from '../../domain/input-rules.ts';
import { SLA_STATES } from '../../store/call-log.ts';

export const ZONE = 'Europe/London';

export const idParam = z.string().refine(isRowId, 'must be a numeric id');
export const uuidParam = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'must be a call id (uuid)');

export const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date, YYYY-MM-DD')
  .refine((v) => DateTime.fromISO(v, { zone: ZONE }).isValid, 'is not a real date')
  .superRefine((v, ctx) => {
    const problem = yearProblem(Number(v.slice(0, 4)));
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * An instant: ISO 8601 with a zone (`2026-12-24T12:00:00Z`), or a UK wall-clock
 * time without one (`2026-12-24T12:00`, what a datetime-local field sends).
 */
export const instant = z
  .string()
  .regex(INSTANT, 'must be a date and time, e.g. 2026-12-24T12:00 (UK time) or 2026-12-24T12:00:00Z')
  .transform((v, ctx) => {
    const hasZone = /(Z|[+-]\d{2}:\d{2})$/.test(v);
    const dt = hasZone ? DateTime.fromISO(v, { setZone: true }) : DateTime.fromISO(v, { zone: ZONE });
    const problem = dt.isValid ? instantProblem(v, dt.toJSDate()) : 'is not a real date and time';
    if (problem) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    return dt.toJSDate();
  });

/** A form checkbox ('on' when ticked, absent when not) or a JSON boolean. */
export const checkbox = z
  .union([z.boolean(), z.enum(['on', 'true', 'false', '1', '0'])])
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

/** Free text a person types: trimmed, bounded, not blank. */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'is required')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !hasNul(v), 'must not contain a NUL character');

export const ROUTES = ['desk', 'oncall', 'voicemail'] as const;
export const OUTCOMES = ['desk', 'engineer', 'message', 'informed', 'abandoned', 'refused', 'in_progress'] as const;
export const CARRIERS = ['asterisk', 'twilio', 'cli'] as const;

export const callFilterQuery = z.object({
  from: localDate.optional().describe('First day (UK), YYYY-MM-DD'),
  to: localDate.optional().describe('Last day (UK), inclusive, YYYY-MM-DD'),
  account: z.string().regex(/^[0-9]{1,12}$/, 'must be an account number').optional().describe('Account number'),
  tier: z.enum(TIERS).optional(),
  route: z.enum(ROUTES).optional(),
  outcome: z.enum(OUTCOMES).optional().describe('How the call ended; in_progress for calls not yet ended'),
  carrier: z.enum(CARRIERS).optional(),
  sla: z.enum(SLA_STATES).optional().describe('The linked ticket’s worst SLA timer state now'),
});
export type CallFilterQuery = z.output<typeof callFilterQuery>;

export const cursorText = z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a cursor from a previous page');

export const callPageQuery = callFilterQuery.extend({
  after: cursorText.optional().describe('Cursor: the page after (older than) this one'),
  before: cursorText.optional().describe('Cursor: the page before (newer than) this one'),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(1).max(200))
    .optional()
    .describe('Rows per page, 1–200 (default 50)'),
});
