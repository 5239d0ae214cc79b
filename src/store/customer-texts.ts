// Texts to customers go through the notification outbox like staff alerts (retried by
// the notifier, never holding up a call), once per ticket and kind, and only to an
// account that allows them: a call nobody signed in to is never texted.
import { isUkMobile, type CustomerTextKind } from '../domain/tickets/customer-text.ts';
import type { Db } from './db.ts';

export interface CustomerText {
  kind: CustomerTextKind;
  ticketId: string;
  /** E.164. */
  phone: string;
  text: string;
  at: Date;
}

/** True when the text was queued now (false: the account does not allow texts, or it was queued before). */
/** The account's first UK mobile that texts may go to, or null (no mobile, or texts turned off). */
export async function textableMobile(db: Db, ticketId: string): Promise<string | null> {
  const rows = await db.query<{ phone: string }>(
    `select p.phone from tickets t join accounts a on a.id = t.account_id join account_phones p on p.account_id = a.id
      where t.id = $1 and a.sms_after_call order by p.phone`,
    [ticketId],
  );
  return rows.map((r) => r.phone).find(isUkMobile) ?? null;
}

export async function queueCustomerText(db: Db, t: CustomerText): Promise<boolean> {
  const rows = await db.query(
    `insert into notifications (event_key, kind, ticket_id, channel, recipient, payload, next_attempt_at, created_at)
     select $1, $2, tk.id, 'sms', $4,
            jsonb_build_object('kind', $2::text, 'ticket', jsonb_build_object('id', tk.id::text, 'reference', tk.reference), 'text', $5::text, 'at', $6::text),
            $7, $7
       from tickets tk join accounts a on a.id = tk.account_id
      where tk.id = $3 and a.sms_after_call
     on conflict (event_key, channel, recipient) do nothing
     returning id`,
    [`${t.kind}:${t.ticketId}`, t.kind, t.ticketId, t.phone, t.text, t.at.toISOString(), t.at],
  );
  return rows.length > 0;
}
