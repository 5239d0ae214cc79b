// GET /api/tickets: the ticket list the console's Tickets page shows, with each
// ticket's SLA at a glance, newest first, a keyset page at a time. Read only: acting
// on a ticket is the ticket service's API (src/http/api/tickets.ts).
import { z } from 'zod';
import { TIERS } from '../../domain/contracts.ts';
import { SLA_STATES } from '../../store/call-log.ts';
import { OPEN_STATUSES, ticketList, type TicketCursor } from '../../store/console-views.ts';
import { EVERYONE, scopeOf } from '../auth/guards.ts';
import { HttpError } from '../errors.ts';
import { cursorText } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';
import { isRowId } from '../../domain/input-rules.ts';

export const TICKET_STATUS_FILTERS = ['open', ...OPEN_STATUSES, 'resolved', 'closed'] as const;

export function encodeTicketCursor(c: TicketCursor): string {
  return Buffer.from(`${c.openedAt}|${c.id}`).toString('base64url');
}

export function decodeTicketCursor(text: string): TicketCursor | null {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z)\|([1-9][0-9]{0,18})$/.exec(Buffer.from(text, 'base64url').toString('utf8'));
  // A cursor names a real instant and a real row; a forged one is refused, not sent to Postgres.
  if (!m || !isRowId(m[2]!) || Number.isNaN(Date.parse(m[1]!)) || new Date(m[1]!).toISOString().slice(0, 19) !== m[1]!.slice(0, 19)) return null;
  return { openedAt: m[1]!, id: m[2]! };
}

const date = z.string().describe('ISO 8601 instant');

export const ticketListRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/tickets',
    operationId: 'listTickets',
    summary: 'Tickets newest first with their SLA state; an engineer sees their own',
    tag: 'tickets',
    roles: EVERYONE,
    query: z.object({
      status: z.enum(TICKET_STATUS_FILTERS).optional().describe('open: every status but resolved and closed'),
      sla: z.enum(SLA_STATES).optional(),
      mine: z.enum(['true', 'false']).optional().describe('true: only the tickets you own'),
      after: cursorText.optional(),
      limit: z.string().regex(/^\d{1,3}$/).transform(Number).pipe(z.number().int().min(1).max(200)).optional(),
    }),
    response: z.object({
      items: z.array(
        z.object({
          id: z.string(),
          reference: z.string(),
          kind: z.string(),
          tier: z.enum(TIERS),
          priority: z.string().nullable(),
          status: z.string(),
          summary: z.string(),
          accountNumber: z.string().nullable(),
          accountName: z.string().nullable(),
          openedAt: date,
          callId: z.string().nullable(),
          sla: z.enum(SLA_STATES).nullable(),
          nextTarget: z.string().nullable(),
          nextDueAt: date.nullable(),
          assignee: z.string().nullable(),
        }),
      ),
      next: z.string().nullable().describe('Pass as `after` for the next (older) page'),
    }),
    async handler({ deps, auth, query }) {
      const after = query.after ? decodeTicketCursor(query.after) : null;
      if (query.after && !after) throw new HttpError(400, 'bad_request', 'after: not a cursor from a previous page');
      const scope = scopeOf(auth);
      const page = await ticketList(
        deps.db,
        {
          ...(query.status ? { status: query.status } : {}),
          ...(query.sla ? { sla: query.sla } : {}),
          ...(scope.all ? {} : { engineerId: scope.engineerId ?? '' }),
          ...(query.mine === 'true' ? { assignedTo: auth.user.id } : {}),
        },
        { after, limit: query.limit ?? 50, now: deps.now() },
      );
      return { items: page.rows, next: page.next ? encodeTicketCursor(page.next) : null };
    },
  }),
];
