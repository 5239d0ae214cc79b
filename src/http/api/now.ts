// What is happening now: calls in progress, who is on call now and next, and the
// tickets about to breach. The console's Now page is this, kept live over SSE.
import { z } from 'zod';
import { callLogPage, type CallLogRow } from '../../store/call-log.ts';
import { ticketsAtRisk, type AtRiskTimer } from '../../store/console-views.ts';
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
  /** Calls back owed (messages left, promised callbacks), due soonest first. */
  callbacks: CallbackDue[];
}

export async function nowView(deps: ConsoleDeps, auth: SessionUser): Promise<NowView> {
  const at = deps.now();
  const scope = scopeOf(auth);
  const engineer = scope.all ? {} : { engineerId: scope.engineerId ?? '' };
  const [live, rota, atRisk, feed, callbacks] = await Promise.all([
    callLogPage(deps.db, { outcome: 'in_progress', from: new Date(at.getTime() - LIVE_WINDOW_MS), ...engineer }, { limit: 50, now: at }),
    rotaView(deps, { days: 1 }),
    ticketsAtRisk(deps.db, at, AT_RISK_WINDOW_MS, { ...engineer, limit: 20 }),
    scope.all ? listFeed(deps.db, { limit: 8 }) : Promise.resolve([]),
    callbacksFor(deps, auth),
  ]);
  return { at, liveCalls: live.rows, onCall: rota.now, next: rota.next, atRisk, feed, callbacks };
}

const date = z.string().describe('ISO 8601 instant');
const level = z.object({ level: z.string(), engineers: z.array(z.object({ id: z.string(), name: z.string(), until: date })) });

export const nowRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/now',
    operationId: 'now',
    summary: 'Calls in progress, who is on call now and next, tickets about to breach',
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
      callbacks: z.array(callbackSchema),
    }),
    handler: ({ deps, auth }) => nowView(deps, auth),
  }),
];
