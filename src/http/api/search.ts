// GET /api/search?q=: one box for everything a supervisor might have in hand when a
// customer rings back: a ticket reference, an account number or name, a phone number
// in any format, an engineer's name. Results across accounts, tickets, calls and
// engineers; an engineer sees only the calls they were rung on and their tickets.
import { z } from 'zod';
import { SEARCH_MAX_LENGTH, search, searchTerms, type SearchResults } from '../../store/search.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { EVERYONE, scopeOf } from '../auth/guards.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { route, type ApiRoute } from './route-table.ts';

export const searchQuery = z
  .string()
  .max(SEARCH_MAX_LENGTH, `at most ${SEARCH_MAX_LENGTH} characters`)
  // A control character is never part of a name, number or reference (and Postgres refuses NUL).
  .refine((q) => ![...q].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f), 'must not contain control characters');

export const EMPTY_RESULTS: SearchResults = { accounts: [], tickets: [], calls: [], engineers: [] };

export async function runSearch(deps: ConsoleDeps, auth: SessionUser, q: string): Promise<SearchResults> {
  const terms = searchTerms(q);
  if (!terms) return EMPTY_RESULTS;
  const scope = scopeOf(auth);
  return search(deps.db, terms, scope.all ? {} : { engineerId: scope.engineerId ?? '' });
}

const date = z.string().describe('ISO 8601 instant');

export const searchRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/search',
    operationId: 'search',
    summary: 'Accounts, tickets, calls and engineers matching a reference, account, phone number (any format) or name',
    tag: 'search',
    roles: EVERYONE,
    query: z.object({ q: searchQuery.describe('A ticket reference, account number or name, phone number or engineer name') }),
    response: z.object({
      accounts: z.array(z.object({ id: z.string(), number: z.string(), name: z.string(), status: z.string(), phones: z.array(z.string()) })),
      tickets: z.array(
        z.object({
          reference: z.string(),
          kind: z.string(),
          tier: z.string(),
          status: z.string(),
          summary: z.string(),
          openedAt: date,
          accountNumber: z.string().nullable(),
          accountName: z.string().nullable(),
        }),
      ),
      calls: z.array(
        z.object({
          id: z.string(),
          startedAt: date,
          from: z.string(),
          carrier: z.string(),
          outcome: z.string().nullable(),
          accountNumber: z.string().nullable(),
          accountName: z.string().nullable(),
          ticketReference: z.string().nullable(),
        }),
      ),
      engineers: z.array(z.object({ id: z.string(), name: z.string(), phone: z.string(), active: z.boolean() })),
    }),
    async handler({ deps, auth, query }) {
      return runSearch(deps, auth, query.q);
    },
  }),
];
