// The call-to-ticket log and one call's detail, for the API and the console pages.
// An engineer sees only the calls they were rung for.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { TIERS } from '../../domain/contracts.ts';
import {
  callLogPage,
  callLogRow,
  callLogRows,
  decodeCursor,
  encodeCursor,
  engineerWasRung,
  SLA_STATES,
  type CallLogFilter,
  type CallLogPage,
  type CallLogRow,
} from '../../store/call-log.ts';
import { callTimeline, getCall, type CallRecord } from '../../store/calls.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { getTicket, type TicketDetail } from '../../store/tickets.ts';
import { EVERYONE, scopeOf } from '../auth/guards.ts';
import { HttpError, notFound } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { csvLine } from '../console/csv.ts';
import { dateTime, startOfLocalDay } from '../console/format.ts';
import { recordingSource, type RecordingSource } from '../console/recordings.ts';
import { timelineView, type TimelineView } from '../console/timeline-view.ts';
import { CARRIERS, callFilterQuery, callPageQuery, OUTCOMES, ROUTES, uuidParam, type CallFilterQuery } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';
import { customerInView, type CustomerInView } from './customer.ts';

export const DEFAULT_PAGE_SIZE = 50;

/** The store's filter for what the user asked, narrowed to what they may see. */
export function callFilter(q: CallFilterQuery, auth: SessionUser): CallLogFilter {
  const filter: CallLogFilter = {};
  if (q.from) filter.from = startOfLocalDay(q.from);
  if (q.to) filter.to = new Date(startOfLocalDay(nextDay(q.to)).getTime());
  if (q.account) filter.accountNumber = q.account;
  if (q.tier) filter.tier = q.tier;
  if (q.route) filter.route = q.route;
  if (q.outcome) filter.outcome = q.outcome;
  if (q.carrier) filter.carrier = q.carrier;
  if (q.sla) filter.sla = q.sla;
  const scope = scopeOf(auth);
  if (!scope.all) filter.engineerId = scope.engineerId ?? '';
  return filter;
}

function nextDay(date: string): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export async function listCalls(
  deps: ConsoleDeps,
  auth: SessionUser,
  q: z.output<typeof callPageQuery>,
): Promise<CallLogPage> {
  const after = q.after ? decodeCursor(q.after) : null;
  const before = q.before ? decodeCursor(q.before) : null;
  if ((q.after && !after) || (q.before && !before)) throw new HttpError(400, 'bad_request', 'cursor: not a cursor from a previous page');
  return callLogPage(deps.db, callFilter(q, auth), {
    after,
    before,
    limit: q.limit ?? DEFAULT_PAGE_SIZE,
    now: deps.now(),
  });
}

export interface CallDetail {
  call: CallRecord;
  row: CallLogRow;
  view: TimelineView;
  events: Awaited<ReturnType<typeof callTimeline>>;
  ticket: TicketDetail | null;
  recording: RecordingSource;
  customer: CustomerInView;
}

/** One call with its timeline and ticket; 404 when unknown, 403 when not the user's to see. */
export async function loadCallDetail(deps: ConsoleDeps, auth: SessionUser, id: string): Promise<CallDetail> {
  const now = deps.now();
  const [call, row] = await Promise.all([getCall(deps.db, id), callLogRow(deps.db, id, now)]);
  if (!call || !row) throw notFound('no such call');
  await requireCallVisible(deps, auth, id);
  const [events, ticket, customer] = await Promise.all([
    callTimeline(deps.db, id),
    call.ticketId ? getTicket(deps.db, { id: call.ticketId }) : Promise.resolve(null),
    customerInView(deps, auth, { accountId: call.accountId, callId: call.id, ticketId: call.ticketId, callerNumber: call.from }),
  ]);
  return { call, row, view: timelineView(events), events, ticket, recording: recordingSource(deps.config, call), customer };
}

export async function requireCallVisible(deps: ConsoleDeps, auth: SessionUser, callId: string): Promise<void> {
  const scope = scopeOf(auth);
  if (scope.all) return;
  if (!scope.engineerId || !(await engineerWasRung(deps.db, callId, scope.engineerId))) {
    throw new HttpError(403, 'forbidden', 'you were not rung on this call');
  }
}

export const CSV_HEADER = [
  'started_at', 'started_uk', 'ended_at', 'carrier', 'from', 'account_number', 'account_name', 'tier', 'priority',
  'menu', 'route', 'route_reason', 'outcome', 'end_reason', 'engineer', 'escalation_failed', 'recording', 'ticket',
  'ticket_status', 'sla', 'call_id',
];

/** Streams the filtered log as CSV, newest first, a batch of rows at a time, minding backpressure. */
export async function streamCallsCsv(deps: ConsoleDeps, auth: SessionUser, q: CallFilterQuery, req: Request, res: Response): Promise<void> {
  const filter = callFilter(q, auth);
  const stamp = deps.now().toISOString().slice(0, 10);
  res.status(200);
  res.setHeader('Content-Type', 'text/csv; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="calls-${stamp}.csv"`);
  res.setHeader('Cache-Control', 'no-store');
  let closed = false;
  req.on('close', () => (closed = true));
  res.write(csvLine(CSV_HEADER));
  for await (const r of callLogRows(deps.db, filter, deps.now())) {
    if (closed) break;
    const ok = res.write(
      csvLine([
        r.startedAt, dateTime(r.startedAt), r.endedAt, r.carrier, r.from, r.accountNumber, r.accountName, r.tier,
        r.priority, r.menu, r.route, r.routeReason, r.outcome ?? 'in_progress', r.endReason, r.engineerName,
        r.escalationFailed, r.recording, r.ticketReference, r.ticketStatus, r.sla, r.id,
      ]),
    );
    if (!ok && !closed) await new Promise<void>((resolve) => {
      res.once('drain', resolve);
      res.once('close', resolve);
    });
  }
  res.end();
}

// ---------------------------------------------------------------------------
// API

const date = z.string().describe('ISO 8601 instant');
const nullable = <T extends z.ZodType>(s: T) => s.nullable();

export const callRowSchema = z
  .object({
    id: z.string(),
    carrier: z.enum(CARRIERS),
    from: z.string(),
    startedAt: date,
    endedAt: nullable(date),
    accountNumber: nullable(z.string()),
    accountName: nullable(z.string()),
    tier: nullable(z.enum(TIERS)),
    priority: nullable(z.string()),
    menu: nullable(z.string()),
    route: nullable(z.enum(ROUTES)),
    routeReason: nullable(z.string()),
    outcome: nullable(z.enum(OUTCOMES)),
    endReason: nullable(z.string()),
    escalationFailed: z.boolean(),
    recording: z.boolean(),
    ticketId: nullable(z.string()),
    ticketReference: nullable(z.string()),
    ticketStatus: nullable(z.string()),
    sla: nullable(z.enum(SLA_STATES)),
    engineerName: nullable(z.string()),
  })
  .meta({ id: 'CallLogRow' });

const pageSchema = z.object({
  items: z.array(callRowSchema),
  next: nullable(z.string()).describe('Pass as `after` for the next (older) page'),
  prev: nullable(z.string()).describe('Pass as `before` for the previous (newer) page'),
});

const legSchema = z.object({
  engineerId: z.string(),
  name: z.string(),
  level: z.string(),
  rungAt: date,
  answeredAt: nullable(date),
  outcome: nullable(z.string()),
  outcomeAt: nullable(date),
  bridgedAt: nullable(date),
});

const detailSchema = z.object({
  call: callRowSchema,
  timeline: z.array(z.object({ seq: z.number(), at: date, type: z.string(), detail: z.record(z.string(), z.unknown()) })),
  lines: z.array(z.object({ seq: z.number(), at: date, kind: z.string(), type: z.string(), text: z.string() })),
  legs: z.array(legSchema),
  ticket: nullable(z.object({ id: z.string(), reference: z.string(), status: z.string() })),
  recording: z.object({
    available: z.boolean(),
    url: nullable(z.string()).describe('Console URL that streams the voicemail'),
    note: nullable(z.string()),
  }),
  customer: nullable(
    z.object({
      number: z.string(),
      name: z.string(),
      status: z.string(),
      tier: z.string().describe('The tier the line treats them as having today'),
      contract: nullable(z.object({ tier: z.string(), startsOn: z.string(), endsOn: nullable(z.string()), sites: z.array(z.string()) })),
      phones: z.array(z.string()),
      openTickets: z.array(z.object({ reference: z.string(), kind: z.string(), status: z.string(), openedAt: date, summary: z.string() })),
      recentCalls: z.array(z.object({ id: z.string(), startedAt: date, from: z.string(), outcome: nullable(z.string()), ticketReference: nullable(z.string()) })),
    }),
  ).describe('The account that rang; its other tickets and calls are limited to yours if you are an engineer'),
});

function customerJson(c: CustomerInView) {
  if (!c.customer) return null;
  const { account, tier, contract, openTickets, recentCalls } = c.customer;
  return { number: account.number, name: account.name, status: account.status, tier, contract, phones: account.phones, openTickets, recentCalls };
}

export const callRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/calls',
    operationId: 'listCalls',
    summary: 'The call-to-ticket log, newest first, one keyset page at a time',
    tag: 'calls',
    roles: EVERYONE,
    query: callPageQuery,
    response: pageSchema,
    async handler({ deps, auth, query }) {
      const page = await listCalls(deps, auth, query);
      return {
        items: page.rows,
        next: page.next ? encodeCursor(page.next) : null,
        prev: page.prev ? encodeCursor(page.prev) : null,
      };
    },
  }),
  route({
    method: 'get',
    path: '/calls/export.csv',
    operationId: 'exportCalls',
    summary: 'The whole filtered log as CSV, streamed',
    tag: 'calls',
    roles: EVERYONE,
    query: callFilterQuery,
    produces: 'text/csv',
    async handler({ deps, auth, query, req, res }) {
      await streamCallsCsv(deps, auth, query, req, res);
      return undefined;
    },
  }),
  route({
    method: 'get',
    path: '/calls/{id}',
    operationId: 'getCall',
    summary: 'One call: its timeline, engineer legs, ticket and voicemail',
    tag: 'calls',
    roles: EVERYONE,
    params: z.object({ id: uuidParam }),
    response: detailSchema,
    async handler({ deps, auth, params }) {
      const d = await loadCallDetail(deps, auth, params.id);
      return {
        call: d.row,
        timeline: d.events,
        lines: d.view.lines,
        legs: d.view.legs,
        ticket: d.ticket ? { id: d.ticket.id, reference: d.ticket.reference, status: d.ticket.status } : null,
        recording: {
          available: d.recording.kind !== 'none',
          url: d.recording.kind === 'none' ? null : `/console/calls/${d.call.id}/recording`,
          note: d.recording.note,
        },
        customer: customerJson(d.customer),
      };
    },
  }),
];
