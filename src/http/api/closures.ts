// The office calendar: the division's bank holidays and the announced closures.
// Adding or removing a closure changes office hours, so the open tickets' office
// timers are recomputed in the same transaction, audited (src/tickets/closures.ts).
import { z } from 'zod';
import { bankHolidays, type BankHoliday } from '../../domain/calendar/bank-holidays.ts';
import { calendarStatus, type CalendarStatus } from '../../domain/calendar/calendar.ts';
import { listClosures, type ClosureRecord } from '../../store/closures.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { addOfficeClosure, removeOfficeClosure } from '../../tickets/closures.ts';
import { ADMINS, EVERYONE } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import { notFound } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { startOfLocalDay } from '../console/format.ts';
import { idParam, instant, text } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';

export interface ClosuresView {
  year: number;
  division: string;
  bankHolidays: BankHoliday[];
  closures: ClosureRecord[];
  office: CalendarStatus;
}

export async function closuresView(deps: ConsoleDeps, year: number): Promise<ClosuresView> {
  const from = startOfLocalDay(`${year}-01-01`);
  const to = startOfLocalDay(`${year + 1}-01-01`);
  const now = deps.now();
  const [inYear, current] = await Promise.all([
    listClosures(deps.db, { from, to }),
    listClosures(deps.db, { from: new Date(now.getTime() - 86_400_000), to: new Date(now.getTime() + 400 * 86_400_000) }),
  ]);
  const division = deps.config.OFFICE_DIVISION;
  return {
    year,
    division,
    bankHolidays: bankHolidays(year, division),
    closures: inYear,
    office: calendarStatus('office', now, { division, closures: current.map((c) => ({ from: c.from, to: c.to, reason: c.reason })) }),
  };
}

export const newClosureBody = z.object({
  from: instant.describe('When the office closes'),
  to: instant.describe('When it opens again (exclusive)'),
  reason: text(200).describe('Shown to supervisors and in the audit log, e.g. "Staff training"'),
});

export async function addClosureAs(
  deps: ConsoleDeps,
  auth: SessionUser,
  input: z.output<typeof newClosureBody>,
): Promise<{ closure: ClosureRecord; timersMoved: number }> {
  const { closure, timersMoved } = await addOfficeClosure(closureDeps(deps), { ...input, actor: actorOf(auth), at: deps.now() });
  return { closure, timersMoved };
}

export async function removeClosureAs(deps: ConsoleDeps, auth: SessionUser, id: string): Promise<{ timersMoved: number }> {
  const removed = await removeOfficeClosure(closureDeps(deps), { id, actor: actorOf(auth), at: deps.now() });
  if (!removed) throw notFound('no such closure');
  return { timersMoved: removed.timersMoved };
}

const closureDeps = (deps: ConsoleDeps) => ({ db: deps.db, division: deps.config.OFFICE_DIVISION });

// ---------------------------------------------------------------------------

const date = z.string().describe('ISO 8601 instant');
const closureSchema = z
  .object({ id: z.string(), from: date, to: date, reason: z.string(), createdBy: z.string(), createdAt: date })
  .meta({ id: 'Closure' });

export const closureRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/closures',
    operationId: 'listClosures',
    summary: 'The office calendar for a year: bank holidays, closures, and whether the office is open now',
    tag: 'calendar',
    roles: EVERYONE,
    query: z.object({
      year: z.string().regex(/^\d{4}$/).transform(Number).pipe(z.number().int().min(2000).max(2100)).optional().describe('Default this year'),
    }),
    response: z.object({
      year: z.number(),
      division: z.string(),
      bankHolidays: z.array(z.object({ date: z.string(), title: z.string() })),
      closures: z.array(closureSchema),
      office: z.object({ open: z.boolean(), reason: z.string(), nextOpenAt: date.nullable(), closesAt: date.nullable() }),
    }),
    handler: ({ deps, query }) => closuresView(deps, query.year ?? Number(deps.now().toISOString().slice(0, 4))),
  }),
  route({
    method: 'post',
    path: '/closures',
    operationId: 'addClosure',
    summary: 'Close the office for a while (admins); open tickets’ office-hours timers recompute',
    tag: 'calendar',
    roles: ADMINS,
    body: newClosureBody,
    status: 201,
    response: z.object({ closure: closureSchema, timersMoved: z.number() }),
    handler: ({ deps, auth, body }) => addClosureAs(deps, auth, body),
  }),
  route({
    method: 'delete',
    path: '/closures/{id}',
    operationId: 'removeClosure',
    summary: 'Remove a closure (admins); open tickets’ office-hours timers recompute',
    tag: 'calendar',
    roles: ADMINS,
    params: z.object({ id: idParam }),
    response: z.object({ timersMoved: z.number() }),
    handler: ({ deps, auth, params }) => removeClosureAs(deps, auth, params.id),
  }),
];
