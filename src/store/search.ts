// Search from every console page: what a supervisor typed, read every way it could
// be meant. Digits may be a ticket reference or an account number; anything the phone
// parser accepts is also a phone number (01632 960001, +44 1632 960001, 0044…), matched
// against account phones and callers' numbers; words match account and engineer names.
// An engineer's results are limited to the calls they were rung on and their tickets.
import { engineerRungSql } from './call-log.ts';
import { engineerTicketSql } from './console-views.ts';
import type { Db } from './db.ts';
import { toE164 } from './phone.ts';
import { isId } from './validate.ts';

export interface SearchTerms {
  /** The text as typed, trimmed, spaces folded: for names. */
  text: string;
  /** Only digits (spaces and dashes ignored): a ticket reference or an account number. */
  digits: string | null;
  /** The text as a phone number in E.164, when it parses as one. */
  phone: string | null;
}

export const SEARCH_MAX_LENGTH = 100;
const LIMIT = 20;

/** null when there is nothing to search for. */
export function searchTerms(raw: string): SearchTerms | null {
  const text = raw.trim().replace(/\s+/g, ' ');
  if (text === '') return null;
  const compact = text.replace(/[\s-]/g, '');
  const digits = /^[0-9]{1,12}$/.test(compact) ? compact : null;
  const phone = /^[+0-9()\s.-]{6,}$/.test(text) ? toE164(text) : null;
  return { text, digits, phone };
}

export interface SearchResults {
  accounts: { id: string; number: string; name: string; status: string; phones: string[] }[];
  tickets: { reference: string; kind: string; tier: string; status: string; summary: string; openedAt: Date; accountNumber: string | null; accountName: string | null }[];
  calls: { id: string; startedAt: Date; from: string; carrier: string; outcome: string | null; accountNumber: string | null; accountName: string | null; ticketReference: string | null }[];
  engineers: { id: string; name: string; phone: string; active: boolean }[];
}

/** `%` and `_` typed by a person are letters, not wildcards. */
const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export async function search(db: Db, terms: SearchTerms, scope: { engineerId?: string } = {}): Promise<SearchResults> {
  const engineerOnly = scope.engineerId !== undefined;
  if (engineerOnly && !isId(scope.engineerId!)) return { accounts: [], tickets: [], calls: [], engineers: [] };
  // $1 name pattern, $2 digits, $3 phone, $4 limit, $5 engineer (when scoped).
  const params: unknown[] = [likePattern(terms.text), terms.digits, terms.phone, LIMIT];
  if (engineerOnly) params.push(scope.engineerId);
  const matchingAccounts = `select a.id from accounts a
       where a.name ilike $1::text or a.number = $2::text
          or a.id in (select ap.account_id from account_phones ap where ap.phone = $3::text)`;
  const engineersMatching = (name: string, phone: string) => `select e.id::text from engineers e where e.name ilike ${name} or e.phone = ${phone}`;
  const matchingEngineers = engineersMatching('$1::text', '$3::text');

  const [accounts, tickets, calls, engineers] = await Promise.all([
    engineerOnly
      ? Promise.resolve([])
      : db.query<{ id: string; number: string; name: string; status: string; phones: string[] | null }>(
          `select a.id::text, a.number, a.name, a.status,
                  array(select ap.phone from account_phones ap where ap.account_id = a.id order by ap.phone) as phones
             from accounts a where a.id in (${matchingAccounts}) order by a.name, a.id limit $4::int`,
          params.slice(0, 4),
        ),
    db.query<{ reference: string; kind: string; tier: string; status: string; summary: string; opened_at: Date; account_number: string | null; account_name: string | null }>(
      // Each way of matching is its own indexed lookup; the union keeps a 1M-call table out of a scan.
      `with matched as (
         select t.id from tickets t where t.reference = $2::text
         union select t.id from tickets t where t.account_id in (${matchingAccounts})
         union select t.id from tickets t join calls c on c.id = t.call_id where c.from_number = $3::text
         union select t.id from tickets t where t.responded_by::text in (${matchingEngineers})
         union select t.id from tickets t join call_events ev on ev.call_id = t.call_id
                where ev.type = 'engineer-rung' and ev.detail ->> 'engineerId' in (${matchingEngineers}))
       select t.reference, t.kind, t.tier, t.status, t.summary, t.opened_at, a.number as account_number, a.name as account_name
         from tickets t join matched m on m.id = t.id left join accounts a on a.id = t.account_id
        ${engineerOnly ? `where ${engineerTicketSql('t', '$5::text')}` : ''}
        order by t.opened_at desc, t.id desc limit $4::int`,
      params,
    ),
    db.query<{ id: string; started_at: Date; from_number: string; carrier: string; outcome: string | null; account_number: string | null; account_name: string | null; reference: string | null }>(
      `with matched as (
         select c.id from calls c where c.from_number = $3::text
         union select c.id from calls c where c.account_id in (${matchingAccounts})
         union select t.call_id from tickets t where t.reference = $2::text and t.call_id is not null
         union select ev.call_id from call_events ev
                where ev.type = 'engineer-rung' and ev.detail ->> 'engineerId' in (${matchingEngineers}))
       select c.id, c.started_at, c.from_number, c.carrier, c.outcome, a.number as account_number, a.name as account_name, t.reference
         from calls c join matched m on m.id = c.id left join accounts a on a.id = c.account_id left join tickets t on t.call_id = c.id
        ${engineerOnly ? `where ${engineerRungSql('c', '$5::text')}` : ''}
        order by c.started_at desc, c.id limit $4::int`,
      params,
    ),
    engineerOnly
      ? Promise.resolve([])
      : db.query<{ id: string; name: string; phone: string; active: boolean }>(
          `select e.id::text, e.name, e.phone, e.active from engineers e
            where e.id::text in (${engineersMatching('$1::text', '$2::text')}) order by e.name, e.id limit $3::int`,
          [params[0], terms.phone, LIMIT],
        ),
  ]);
  return {
    accounts: accounts.map((a) => ({ ...a, phones: a.phones ?? [] })),
    tickets: tickets.map((t) => ({
      reference: t.reference,
      kind: t.kind,
      tier: t.tier,
      status: t.status,
      summary: t.summary,
      openedAt: t.opened_at,
      accountNumber: t.account_number,
      accountName: t.account_name,
    })),
    calls: calls.map((c) => ({
      id: c.id,
      startedAt: c.started_at,
      from: c.from_number,
      carrier: c.carrier,
      outcome: c.outcome,
      accountNumber: c.account_number,
      accountName: c.account_name,
      ticketReference: c.reference,
    })),
    engineers,
  };
}
