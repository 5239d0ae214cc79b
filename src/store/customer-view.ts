// The customer beside a ticket or a call: who they are, what their contract covers
// today, their other open tickets and recent calls. A supervisor reading a ticket
// should never have to look the customer up somewhere else. An engineer sees the
// account, but of its other tickets and calls only those they were rung on.
import { effectiveTier, londonDate, type Tier } from '../domain/contracts.ts';
import { getAccount, type AccountRecord } from './accounts.ts';
import { engineerRungSql } from './call-log.ts';
import { engineerTicketSql } from './console-views.ts';
import type { Db } from './db.ts';
import { isId } from './validate.ts';

export interface CustomerView {
  account: AccountRecord;
  /** The tier the line treats them as having today (suspended or lapsed → None). */
  tier: Tier;
  /** The contract that gives that tier, if any. */
  contract: { tier: Tier; startsOn: string; endsOn: string | null; sites: string[] } | null;
  openTickets: { reference: string; kind: string; status: string; openedAt: Date; summary: string }[];
  recentCalls: { id: string; startedAt: Date; from: string; outcome: string | null; ticketReference: string | null }[];
}

const SHOWN = 5;

export async function customerView(
  db: Db,
  accountId: string | null,
  opts: { now: Date; exceptTicketId?: string | null; exceptCallId?: string | null; engineerId?: string },
): Promise<CustomerView | null> {
  if (accountId === null) return null;
  const account = await getAccount(db, accountId);
  if (!account) return null;
  const today = londonDate(opts.now);
  const tier = effectiveTier(account.status, account.contracts, today);
  const covering = account.contracts.find(
    (c) => c.tier === tier && c.startsOn <= today && (c.endsOn === null || c.endsOn >= today),
  );
  const scoped = opts.engineerId !== undefined;
  if (scoped && !isId(opts.engineerId!)) return { account, tier, contract: covering ?? null, openTickets: [], recentCalls: [] };
  const params = [account.id, opts.exceptTicketId ?? null, SHOWN, ...(scoped ? [opts.engineerId] : [])];
  const callParams = [account.id, opts.exceptCallId ?? null, SHOWN, ...(scoped ? [opts.engineerId] : [])];
  const [tickets, calls] = await Promise.all([
    db.query<{ reference: string; kind: string; status: string; opened_at: Date; summary: string }>(
      `select t.reference, t.kind, t.status, t.opened_at, t.summary from tickets t
        where t.account_id = $1::bigint and t.status not in ('resolved', 'closed')
          and ($2::bigint is null or t.id <> $2::bigint)
          ${scoped ? `and ${engineerTicketSql('t', '$4::text')}` : ''}
        order by t.opened_at desc, t.id desc limit $3::int`,
      params,
    ),
    db.query<{ id: string; started_at: Date; from_number: string; outcome: string | null; reference: string | null }>(
      `select c.id, c.started_at, c.from_number, c.outcome, t.reference from calls c left join tickets t on t.call_id = c.id
        where c.account_id = $1::bigint and ($2::uuid is null or c.id <> $2::uuid)
          ${scoped ? `and ${engineerRungSql('c', '$4::text')}` : ''}
        order by c.started_at desc, c.id limit $3::int`,
      callParams,
    ),
  ]);
  return {
    account,
    tier,
    contract: covering ? { tier: covering.tier, startsOn: covering.startsOn, endsOn: covering.endsOn, sites: covering.sites } : null,
    openTickets: tickets.map((t) => ({ reference: t.reference, kind: t.kind, status: t.status, openedAt: t.opened_at, summary: t.summary })),
    recentCalls: calls.map((c) => ({ id: c.id, startedAt: c.started_at, from: c.from_number, outcome: c.outcome, ticketReference: c.reference })),
  };
}
