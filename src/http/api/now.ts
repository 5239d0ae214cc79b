// What is happening now, what needs a human first: tickets breached or about to
// breach, calls no on-call engineer accepted (escalation failed), calls waiting for
// the desk, calls back owed; then calls in progress and who is on call now and next.
// The console's Now page is this, kept live over SSE.
import { z } from 'zod';
import { callLogPage, type CallLogRow } from '../../store/call-log.ts';
import { ticketsAtRisk, type AtRiskTimer } from '../../store/console-views.ts';
import { callsWaitingForDesk, type DeskWaiting } from '../../store/desk-waiting.ts';
import { listFeed, type FeedEntry } from '../../store/notifications.ts';
import type { CallbackDue } from '../../store/ticket-owner.ts';
import { callbackSchema, callbacksFor } from './ownership.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { EVERYONE, scopeOf } from '../auth/guards.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { callRowSchema } from './calls.ts';
import { route, type ApiRoute } from './route-table.ts';
import { rotaView, type OnCallLevel } from './rota.ts';

/** A call's live state lasts six hours (src/calls/session.ts); older unended calls are stale, not live. */
const LIVE_WINDOW_MS = 6 * 60 * 60 * 1000;
/** "About to breach": due within the next two hours, or overdue. */
export const AT_RISK_WINDOW_MS = 2 * 60 * 60 * 1000;

export interface NowView {
  at: Date;
  liveCalls: CallLogRow[];
  onCall: OnCallLevel[];
  next: { at: Date; levels: OnCallLevel[] } | null;
  atRisk: AtRiskTimer[];
  /** The latest warnings and breaches (issue 5's console feed); supervisors and admins only. */
  feed: FeedEntry[];
  /** Calls no on-call engineer accepted, the customer not yet called back: most urgent first. */
  escalationFailed: CallbackDue[];
  /** Calls handed to the desk and not yet answered, longest waiting first (supervisors and admins). */
  waitingForDesk: DeskWaiting[];
  /** Other calls back owed (messages left, promised callbacks), due soonest first. */
  callbacks: CallbackDue[];
}

export async function nowView(deps: ConsoleDeps, auth: SessionUser): Promise<NowView> {
  const at = deps.now();
  const scope = scopeOf(auth);
  const engineer = scope.all ? {} : { engineerId: scope.engineerId ?? '' };
  const liveFrom = new Date(at.getTime() - LIVE_WINDOW_MS);
  const [live, rota, atRisk, feed, escalationFailed, waitingForDesk, callbacks] = await Promise.all([
    callLogPage(deps.db, { outcome: 'in_progress', from: liveFrom, ...engineer }, { limit: 50, now: at }),
    rotaView(deps, { days: 1 }),
    ticketsAtRisk(deps.db, at, AT_RISK_WINDOW_MS, { ...engineer, limit: 20 }),
    scope.all ? listFeed(deps.db, { limit: 8 }) : Promise.resolve([]),
    callbacksFor(deps, auth, { escalationFailed: true }),
    // The desk is the office's, not an engineer's: engineers see only calls they were rung on.
    scope.all ? callsWaitingForDesk(deps.db, liveFrom) : Promise.resolve([]),
    callbacksFor(deps, auth, { escalationFailed: false }),
  ]);
  return { at, liveCalls: live.rows, onCall: rota.now, next: rota.next, atRisk, feed, escalationFailed, waitingForDesk, callbacks };
}

const date = z.string().describe('ISO 8601 instant');
const level = z.object({ level: z.string(), engineers: z.array(z.object({ id: z.string(), name: z.string(), until: date })) });

export const nowRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/now',
    operationId: 'now',
    summary: 'What needs a human (breached or about to breach, escalation failed, calls waiting for the desk, calls back owed), calls in progress, who is on call now and next',
    tag: 'now',
    roles: EVERYONE,
    response: z.object({
      at: date,
      liveCalls: z.array(callRowSchema),
      onCall: z.array(level),
      next: z.object({ at: date, levels: z.array(level) }).nullable(),
      atRisk: z.array(
        z.object({
          reference: z.string(),
          ticketId: z.string(),
          status: z.string(),
          accountNumber: z.string().nullable(),
          accountName: z.string().nullable(),
          target: z.string(),
          dueAt: date,
          warnAt: date.nullable(),
          state: z.enum(['breached', 'warning', 'running']),
        }),
      ),
      feed: z.array(
        z.object({ id: z.string(), at: date, kind: z.string(), ticketId: z.string().nullable(), reference: z.string().nullable(), text: z.string(), detail: z.record(z.string(), z.unknown()), notificationId: z.string().nullable() }),
      ),
      escalationFailed: z.array(callbackSchema).describe('Calls no on-call engineer accepted; the one action: call the customer back (POST /tickets/{ref}/callback-done)'),
      waitingForDesk: z
        .array(z.object({ callId: z.string(), from: z.string(), accountName: z.string().nullable(), accountNumber: z.string().nullable(), queue: z.string().nullable(), since: date }))
        .describe('Calls handed to the desk and not yet answered, longest waiting first'),
      callbacks: z.array(callbackSchema).describe('Other calls back owed'),
    }),
    handler: ({ deps, auth }) => nowView(deps, auth),
  }),
];
