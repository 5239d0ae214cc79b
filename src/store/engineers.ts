// Engineers who take escalated calls.
import type { Db } from './db.ts';
import { requirePhone, requireText } from './validate.ts';

export interface NewEngineer {
  name: string;
  phone: string;
  /** Carrier dial string, e.g. `PJSIP/+447700900123@trunk`; absent → the carrier's template. */
  dialTarget?: string | null;
  email?: string | null;
}

export interface EngineerRecord {
  id: string;
  name: string;
  /** E.164. */
  phone: string;
  dialTarget: string | null;
  email: string | null;
  active: boolean;
  createdAt: Date;
}

interface EngineerRow {
  id: string;
  name: string;
  phone: string;
  dial_target: string | null;
  email: string | null;
  active: boolean;
  created_at: Date;
}

export async function addEngineer(db: Db, input: NewEngineer): Promise<EngineerRecord> {
  const dialTarget = input.dialTarget?.trim() || null;
  const email = input.email?.trim().toLowerCase() || null;
  const [row] = await db.query<EngineerRow>(
    'insert into engineers (name, phone, dial_target, email) values ($1, $2, $3, $4) returning *',
    [requireText(input.name, 'name'), requirePhone(input.phone, 'phone'), dialTarget, email],
  );
  return toEngineer(row!);
}

export async function listEngineers(db: Db): Promise<EngineerRecord[]> {
  const rows = await db.query<EngineerRow>('select * from engineers order by name, id');
  return rows.map(toEngineer);
}

function toEngineer(row: EngineerRow): EngineerRecord {
  return {
    id: row.id,
    name: row.name,
    phone: row.phone,
    dialTarget: row.dial_target,
    email: row.email,
    active: row.active,
    createdAt: row.created_at,
  };
}
