// Announcements callers hear after the greeting (src/domain/announcements).
import type { AnnouncementKind, AnnouncementView, Service } from '../domain/announcements/rules.ts';
import type { Db } from './db.ts';
import { isId } from './validate.ts';

export interface AnnouncementRecord extends AnnouncementView {
  createdBy: string;
  createdAt: string;
  withdrawnAt: string | null;
  withdrawnBy: string | null;
}

export interface NewAnnouncement {
  kind: AnnouncementKind;
  message: string;
  startsAt: Date;
  endsAt: Date;
  accountIds: string[] | null;
  service: Service | null;
  dialledNumber: string | null;
  incidentId: string | null;
  createdBy: string;
  at: Date;
}

interface Row {
  id: string;
  kind: AnnouncementKind;
  message: string;
  starts_at: Date;
  ends_at: Date;
  account_ids: string[] | null;
  service: Service | null;
  dialled_number: string | null;
  incident_id: string | null;
  sound: string | null;
  created_by: string;
  created_at: Date;
  withdrawn_at: Date | null;
  withdrawn_by: string | null;
}

export async function insertAnnouncement(db: Db, a: NewAnnouncement): Promise<AnnouncementRecord> {
  const [row] = await db.query<Row>(
    `insert into announcements (kind, message, starts_at, ends_at, account_ids, service, dialled_number, incident_id, created_by, created_at)
     values ($1, $2, $3, $4, $5::bigint[], $6, $7, $8, $9, $10) returning *`,
    [a.kind, a.message, a.startsAt, a.endsAt, a.accountIds, a.service, a.dialledNumber, a.incidentId, a.createdBy, a.at],
  );
  return toRecord(row!);
}

export async function setAnnouncementSound(db: Db, id: string, sound: string): Promise<void> {
  await db.query('update announcements set sound = $2 where id = $1', [id, sound]);
}

/** True when it was live and is now withdrawn. */
export async function withdrawAnnouncement(db: Db, id: string, by: string, at: Date): Promise<boolean> {
  if (!isId(id)) return false;
  const rows = await db.query('update announcements set withdrawn_at = $3, withdrawn_by = $2 where id = $1 and withdrawn_at is null returning id', [id, by, at]);
  return rows.length > 0;
}

/**
 * Announcements a call starting at `at` may hear: not withdrawn, not over, starting
 * within the next hour (a long call can still reach one that starts while it lasts).
 */
export async function announcementsAround(db: Db, at: Date): Promise<AnnouncementView[]> {
  const rows = await db.query<Row>(
    `select * from announcements
      where withdrawn_at is null and ends_at > $1 and starts_at < $1::timestamptz + interval '1 hour'
      order by starts_at, id limit 20`,
    [at],
  );
  return rows.map((r) => view(r));
}

/** Newest first; `live` keeps those not withdrawn and not over at `at`. */
export async function listAnnouncements(db: Db, filter: { live?: Date } = {}): Promise<AnnouncementRecord[]> {
  const rows = await db.query<Row>(
    `select * from announcements
      where $1::timestamptz is null or (withdrawn_at is null and ends_at > $1)
      order by created_at desc, id desc limit 200`,
    [filter.live ?? null],
  );
  return rows.map(toRecord);
}

function view(r: Row): AnnouncementView {
  return {
    id: r.id,
    kind: r.kind,
    message: r.message,
    startsAt: r.starts_at.toISOString(),
    endsAt: r.ends_at.toISOString(),
    accountIds: r.account_ids?.map(String) ?? null,
    service: r.service,
    dialledNumber: r.dialled_number,
    incidentId: r.incident_id,
    sound: r.sound,
  };
}

function toRecord(r: Row): AnnouncementRecord {
  return {
    ...view(r),
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    withdrawnAt: r.withdrawn_at?.toISOString() ?? null,
    withdrawnBy: r.withdrawn_by,
  };
}
