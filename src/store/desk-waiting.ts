// Calls waiting for the desk: handed to the support or accounts desk (the flow's
// connect-desk command is on the call's timeline), not ended, and no answer from the
// desk yet. A supervisor on Now sees who is holding and for how long.
import type { Db } from './db.ts';

export interface DeskWaiting {
  callId: string;
  from: string;
  accountName: string | null;
  accountNumber: string | null;
  /** The desk's queue: support or accounts. */
  queue: string | null;
  /** When the call was handed to the desk. */
  since: Date;
}

/** Oldest first. `startedAfter` bounds the search to calls that can still be live. */
export async function callsWaitingForDesk(db: Db, startedAfter: Date, limit = 20): Promise<DeskWaiting[]> {
  const rows = await db.query<{ id: string; from_number: string; account_name: string | null; account_number: string | null; queue: string | null; since: Date }>(
    `select c.id, c.from_number, a.name as account_name, a.number as account_number, d.detail->>'queue' as queue, d.at as since
       from calls c
       join lateral (select e.seq, e.at, e.detail from call_events e
                      where e.call_id = c.id and e.type = 'connect-desk' order by e.seq desc limit 1) d on true
       left join accounts a on a.id = c.account_id
      where c.ended_at is null and c.started_at > $1
        and not exists (select 1 from call_events r where r.call_id = c.id and r.type = 'desk-result' and r.seq > d.seq)
      order by d.at, c.id
      limit $2`,
    [startedAfter, limit],
  );
  return rows.map((r) => ({ callId: r.id, from: r.from_number, accountName: r.account_name, accountNumber: r.account_number, queue: r.queue, since: r.since }));
}
