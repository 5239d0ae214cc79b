// Office closures: windows when the line treats office hours as out of hours.
import type { Db } from './db.ts';
import { isId, requireText, requireWindow } from './validate.ts';

export interface NewClosure {
  from: Date;
  /** Exclusive. */
  to: Date;
  reason: string;
  createdBy: string;
}

export interface ClosureRecord {
  id: string;
  from: Date;
  to: Date;
  reason: string;
  createdBy: string;
  createdAt: Date;
}

interface ClosureRow {
  id: string;
  starts_at: Date;
  ends_at: Date;
  reason: string;
  created_by: string;
  created_at: Date;
}

export async function addClosure(db: Db, input: NewClosure): Promise<ClosureRecord> {
  requireWindow(input.from, input.to);
  const [row] = await db.query<ClosureRow>(
    'insert into closures (starts_at, ends_at, reason, created_by) values ($1, $2, $3, $4) returning *',
    [input.from, input.to, requireText(input.reason, 'reason'), requireText(input.createdBy, 'createdBy')],
  );
  return toClosure(row!);
}

export async function getClosure(db: Db, id: string): Promise<ClosureRecord | null> {
  if (!isId(id)) return null;
  const [row] = await db.query<ClosureRow>('select * from closures where id = $1', [id]);
  return row ? toClosure(row) : null;
}

/** True when a closure was removed. */
export async function removeClosure(db: Db, id: string): Promise<boolean> {
  if (!isId(id)) return false;
  const rows = await db.query('delete from closures where id = $1 returning id', [id]);
  return rows.length > 0;
}

/** Closures overlapping [from, to), in start order. */
export async function listClosures(db: Db, window: { from?: Date; to?: Date } = {}): Promise<ClosureRecord[]> {
  const rows = await db.query<ClosureRow>(
    `select * from closures
      where ($1::timestamptz is null or ends_at > $1) and ($2::timestamptz is null or starts_at < $2)
      order by starts_at, id`,
    [window.from ?? null, window.to ?? null],
  );
  return rows.map(toClosure);
}

function toClosure(row: ClosureRow): ClosureRecord {
  return {
    id: row.id,
    from: row.starts_at,
    to: row.ends_at,
    reason: row.reason,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
