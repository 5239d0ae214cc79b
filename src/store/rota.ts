// The on-call rota: who is primary, secondary and manager at any instant.
import type { EngineerLeg } from '../domain/flow/types.ts';
import type { Db } from './db.ts';
import { ValidationError } from './errors.ts';
import { isId, requireInstant, requireOneOf, requireWindow } from './validate.ts';

export type RotaLevel = EngineerLeg['level'];
export const ROTA_LEVELS: readonly RotaLevel[] = ['primary', 'secondary', 'manager'];

export interface NewShift {
  engineerId: string;
  level: RotaLevel;
  from: Date;
  /** Exclusive. */
  to: Date;
  /** A one-off swap laid over the regular rota. */
  isOverride?: boolean;
  note?: string | null;
}

export interface ShiftRecord {
  id: string;
  engineerId: string;
  level: RotaLevel;
  startsAt: Date;
  endsAt: Date;
  isOverride: boolean;
  note: string | null;
}

/** A shift in force, with what is needed to ring the engineer. */
export interface OnCallShift extends ShiftRecord {
  name: string;
  /** E.164. */
  phone: string;
  dialTarget: string | null;
}

interface ShiftRow {
  id: string;
  engineer_id: string;
  level: RotaLevel;
  starts_at: Date;
  ends_at: Date;
  is_override: boolean;
  note: string | null;
}

export async function addShift(db: Db, input: NewShift): Promise<ShiftRecord> {
  if (!isId(input.engineerId)) throw new ValidationError('engineerId is not an engineer id', 'engineerId');
  requireWindow(input.from, input.to);
  const [row] = await db.query<ShiftRow>(
    `insert into rota_shifts (engineer_id, level, starts_at, ends_at, is_override, note)
     values ($1, $2, $3, $4, $5, $6) returning *`,
    [
      input.engineerId,
      requireOneOf(input.level, ROTA_LEVELS, 'level'),
      input.from,
      input.to,
      input.isOverride ?? false,
      input.note ?? null,
    ],
  );
  return toShift(row!);
}

/** Shifts overlapping [from, to), in start order. */
export async function listShifts(db: Db, window: { from?: Date; to?: Date } = {}): Promise<ShiftRecord[]> {
  const rows = await db.query<ShiftRow>(
    `select * from rota_shifts
      where ($1::timestamptz is null or ends_at > $1) and ($2::timestamptz is null or starts_at < $2)
      order by starts_at, id`,
    [window.from ?? null, window.to ?? null],
  );
  return rows.map(toShift);
}

/**
 * Shifts covering `at` for active engineers, ordered primary, secondary, manager and,
 * within a level, overrides first. Whether an override displaces the regular shift is
 * the escalation rule's decision, not the store's.
 */
export async function shiftsAt(db: Db, at: Date): Promise<OnCallShift[]> {
  requireInstant(at, 'at');
  const rows = await db.query<ShiftRow & { name: string; phone: string; dial_target: string | null }>(
    `select s.*, e.name, e.phone, e.dial_target
       from rota_shifts s join engineers e on e.id = s.engineer_id
      where s.starts_at <= $1 and s.ends_at > $1 and e.active
      order by case s.level when 'primary' then 0 when 'secondary' then 1 else 2 end,
               s.is_override desc, s.starts_at, s.id`,
    [at],
  );
  return rows.map((row) => ({ ...toShift(row), name: row.name, phone: row.phone, dialTarget: row.dial_target }));
}

function toShift(row: ShiftRow): ShiftRecord {
  return {
    id: row.id,
    engineerId: row.engineer_id,
    level: row.level,
    startsAt: row.starts_at,
    endsAt: row.ends_at,
    isOverride: row.is_override,
    note: row.note,
  };
}

/** Removes a shift; the removed shift, or null when there was none. */
export async function removeShift(db: Db, id: string): Promise<ShiftRecord | null> {
  if (!isId(id)) return null;
  const [row] = await db.query<ShiftRow>('delete from rota_shifts where id = $1 returning *', [id]);
  return row ? toShift(row) : null;
}
