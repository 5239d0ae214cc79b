// The notification outbox and the console's feed. The SLA watcher queues rows in
// the transaction that records a warning or breach; the notifier leases due rows
// (`for update skip locked`), delivers them outside any transaction and records
// the outcome. A row is never deleted: sent, still retrying, or acknowledged.
import type { NotificationKind, NotificationPayload } from '../domain/tickets/customer-text.ts';
import type { Db } from './db.ts';
import { NotFoundError } from './errors.ts';
import { isId, requireText } from './validate.ts';

export const CHANNELS = ['sms', 'webhook', 'feed'] as const;
export type Channel = (typeof CHANNELS)[number];
export type NotificationState = 'pending' | 'sent' | 'failed';

export interface NewNotification {
  eventKey: string;
  kind: NotificationKind;
  ticketId: string | null;
  timerId: string | null;
  channel: Channel;
  /** An E.164 number (sms), `webhook`, or `console` (feed). */
  recipient: string;
  payload: NotificationPayload;
}

export interface NotificationRecord {
  id: string;
  eventKey: string;
  kind: NotificationKind;
  ticketId: string | null;
  timerId: string | null;
  channel: Channel;
  recipient: string;
  payload: NotificationPayload;
  state: NotificationState;
  attempts: number;
  failures: number;
  sends: number;
  nextAttemptAt: Date | null;
  lastError: string | null;
  sentAt: Date | null;
  acknowledgedAt: Date | null;
  acknowledgedBy: string | null;
  createdAt: Date;
}

interface Row {
  id: string;
  event_key: string;
  kind: NotificationKind;
  ticket_id: string | null;
  timer_id: string | null;
  channel: Channel;
  recipient: string;
  payload: NotificationPayload;
  state: NotificationState;
  attempts: number;
  failures: number;
  sends: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  sent_at: Date | null;
  acknowledged_at: Date | null;
  acknowledged_by: string | null;
  created_at: Date;
}

const toRecord = (r: Row): NotificationRecord => ({
  id: r.id,
  eventKey: r.event_key,
  kind: r.kind,
  ticketId: r.ticket_id,
  timerId: r.timer_id,
  channel: r.channel,
  recipient: r.recipient,
  payload: r.payload,
  state: r.state,
  attempts: r.attempts,
  failures: r.failures,
  sends: r.sends,
  nextAttemptAt: r.next_attempt_at,
  lastError: r.last_error,
  sentAt: r.sent_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  createdAt: r.created_at,
});

/** Queues notifications, due at once; one already queued for the same event, channel and recipient is kept. */
export async function enqueueNotifications(tx: Db, rows: readonly NewNotification[], at: Date): Promise<number> {
  if (rows.length === 0) return 0;
  const inserted = await tx.query(
    `insert into notifications (event_key, kind, ticket_id, timer_id, channel, recipient, payload, next_attempt_at, created_at)
     select e, k, t, s, c, r, p, $8, $8
       from unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::text[], $7::jsonb[])
         as x(e, k, t, s, c, r, p)
     on conflict (event_key, channel, recipient) do nothing
     returning id`,
    [
      rows.map((n) => n.eventKey),
      rows.map((n) => n.kind),
      rows.map((n) => n.ticketId),
      rows.map((n) => n.timerId),
      rows.map((n) => n.channel),
      rows.map((n) => n.recipient),
      rows.map((n) => JSON.stringify(n.payload)),
      at,
    ],
  );
  return inserted.length;
}

/**
 * Leases up to `limit` notifications due at `now`: each try is counted and the row
 * hidden from other notifiers for `leaseMs`. If this process dies mid-delivery the
 * lease runs out and another tries again, so a delivery is at least once.
 */
export async function leaseDueNotifications(db: Db, now: Date, limit: number, leaseMs: number): Promise<NotificationRecord[]> {
  const rows = await db.query<Row>(
    `with due as (
       select id from notifications
        where next_attempt_at <= $1 and acknowledged_at is null
        order by next_attempt_at, id
        limit $2
        for update skip locked)
     update notifications n
        set attempts = n.attempts + 1, next_attempt_at = $3
       from due where n.id = due.id
     returning n.*`,
    [now, limit, new Date(now.getTime() + leaseMs)],
  );
  return rows.map(toRecord).sort((a, b) => Number(a.id) - Number(b.id));
}

/**
 * A delivery went through. `repeatAt` pages again then unless acknowledged first.
 * Ignored when the row has been tried again since this lease (`attempts` moved on).
 */
export async function recordSent(
  db: Db,
  n: Pick<NotificationRecord, 'id' | 'attempts'>,
  at: Date,
  repeatAt: Date | null,
): Promise<void> {
  await db.query(
    `update notifications
        set state = 'sent', sent_at = $3, sends = sends + 1, failures = 0, last_error = null,
            next_attempt_at = case when acknowledged_at is null then $4::timestamptz end
      where id = $1 and attempts = $2`,
    [n.id, n.attempts, at, repeatAt],
  );
}

/** A delivery failed: tried again at `retryAt`. */
export async function recordFailed(
  db: Db,
  n: Pick<NotificationRecord, 'id' | 'attempts'>,
  error: string,
  retryAt: Date,
): Promise<void> {
  await db.query(
    `update notifications
        set state = 'failed', failures = failures + 1, last_error = $3,
            next_attempt_at = case when acknowledged_at is null then $4::timestamptz end
      where id = $1 and attempts = $2`,
    [n.id, n.attempts, error.slice(0, 500), retryAt],
  );
}

/**
 * Someone has seen the alert: this notification and the others of the same event
 * (the other recipients, the other channels) are never sent again. Returns the
 * notifications acknowledged now.
 */
export async function acknowledgeNotification(db: Db, id: string, actor: string, at: Date): Promise<NotificationRecord[]> {
  if (!isId(id)) throw new NotFoundError('notification', id);
  return db.tx(async (tx) => {
    const [row] = await tx.query<{ event_key: string }>('select event_key from notifications where id = $1', [id]);
    if (!row) throw new NotFoundError('notification', id);
    const rows = await tx.query<Row>(
      `update notifications set acknowledged_at = $2, acknowledged_by = $3, next_attempt_at = null
        where event_key = $1 and acknowledged_at is null returning *`,
      [row.event_key, at, requireText(actor, 'actor')],
    );
    return rows.map(toRecord);
  });
}

export async function getNotification(db: Db, id: string): Promise<NotificationRecord | null> {
  if (!isId(id)) return null;
  const [row] = await db.query<Row>('select * from notifications where id = $1', [id]);
  return row ? toRecord(row) : null;
}

/** Latest first; narrowed to a ticket, or to those not yet delivered or acknowledged. */
export async function listNotifications(
  db: Db,
  filter: { ticketId?: string; undelivered?: boolean; limit?: number } = {},
): Promise<NotificationRecord[]> {
  const rows = await db.query<Row>(
    `select * from notifications
      where ($1::bigint is null or ticket_id = $1)
        and (not $2 or (state <> 'sent' and acknowledged_at is null))
      order by created_at desc, id desc limit $3`,
    [filter.ticketId ?? null, filter.undelivered ?? false, Math.min(Math.max(filter.limit ?? 100, 1), 1000)],
  );
  return rows.map(toRecord);
}

/** The next instant a notification is due (a retry, a repeat, or a lease running out). */
export async function earliestNotification(db: Db): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>(
    'select min(next_attempt_at) as at from notifications where next_attempt_at is not null and acknowledged_at is null',
  );
  return row?.at ?? null;
}

// ---------------------------------------------------------------------------
// The console's feed

export interface FeedEntry {
  id: string;
  at: Date;
  kind: string;
  ticketId: string | null;
  reference: string | null;
  text: string;
  detail: Record<string, unknown>;
  notificationId: string | null;
}

interface FeedRow {
  id: string;
  at: Date;
  kind: string;
  ticket_id: string | null;
  reference: string | null;
  text: string;
  detail: Record<string, unknown>;
  notification_id: string | null;
}

const toFeed = (r: FeedRow): FeedEntry => ({
  id: r.id,
  at: r.at,
  kind: r.kind,
  ticketId: r.ticket_id,
  reference: r.reference,
  text: r.text,
  detail: r.detail,
  notificationId: r.notification_id,
});

/** Adds the entry once per notification; a repeat returns the entry already there. */
export async function addFeedEntry(
  db: Db,
  e: Omit<FeedEntry, 'id'>,
): Promise<{ entry: FeedEntry; created: boolean }> {
  const inserted = await db.query<FeedRow>(
    `insert into feed_entries (at, kind, ticket_id, reference, text, detail, notification_id)
     values ($1, $2, $3, $4, $5, $6::jsonb, $7)
     on conflict (notification_id) do nothing returning *`,
    [e.at, e.kind, e.ticketId, e.reference, e.text, JSON.stringify(e.detail), e.notificationId],
  );
  if (inserted[0]) return { entry: toFeed(inserted[0]), created: true };
  const [existing] = await db.query<FeedRow>('select * from feed_entries where notification_id = $1', [e.notificationId]);
  return { entry: toFeed(existing!), created: false };
}

/** Latest first. */
export async function listFeed(db: Db, opts: { limit?: number; beforeId?: string } = {}): Promise<FeedEntry[]> {
  const rows = await db.query<FeedRow>(
    `select * from feed_entries where ($1::bigint is null or id < $1) order by at desc, id desc limit $2`,
    [opts.beforeId ?? null, Math.min(Math.max(opts.limit ?? 50, 1), 500)],
  );
  return rows.map(toFeed);
}
