// The line's own numbers and their profiles (src/domain/dialled.ts says what each means).
import { DIALLED_PROFILES, MAIN_LINE, type Dialled, type DialledProfile } from '../domain/dialled.ts';
import type { Db } from './db.ts';
import { ConflictError, NotFoundError } from './errors.ts';
import { toE164 } from './phone.ts';
import { requireOneOf, requirePhone, requireText } from './validate.ts';

export interface LineNumber {
  /** E.164. */
  number: string;
  profile: DialledProfile;
  label: string;
}

interface LineNumberRow {
  number: string;
  profile: DialledProfile;
  label: string;
}

const toLineNumber = (row: LineNumberRow): LineNumber => ({ number: row.number, profile: row.profile, label: row.label });

export async function listLineNumbers(db: Db): Promise<LineNumber[]> {
  const rows = await db.query<LineNumberRow>('select number, profile, label from line_numbers order by number');
  return rows.map(toLineNumber);
}

export async function addLineNumber(db: Db, input: { number: string; profile: string; label: string }): Promise<LineNumber> {
  const number = requirePhone(input.number, 'number');
  const profile = requireOneOf(input.profile, DIALLED_PROFILES, 'profile');
  const label = requireText(input.label, 'label');
  const [row] = await db.query<LineNumberRow>(
    `insert into line_numbers (number, profile, label) values ($1, $2, $3)
     on conflict (number) do nothing returning number, profile, label`,
    [number, profile, label],
  );
  if (!row) throw new ConflictError(`number ${number} is already one of the line's numbers`, 'line_numbers_pkey');
  return toLineNumber(row);
}

export async function removeLineNumber(db: Db, raw: string): Promise<LineNumber> {
  const number = requirePhone(raw, 'number');
  const [row] = await db.query<LineNumberRow>('delete from line_numbers where number = $1 returning number, profile, label', [number]);
  if (!row) throw new NotFoundError('line number', number);
  return toLineNumber(row);
}

export async function setLineNumberProfile(db: Db, raw: string, profile: string): Promise<LineNumber> {
  const number = requirePhone(raw, 'number');
  const next = requireOneOf(profile, DIALLED_PROFILES, 'profile');
  const [row] = await db.query<LineNumberRow>(
    'update line_numbers set profile = $2, updated_at = now() where number = $1 returning number, profile, label',
    [number, next],
  );
  if (!row) throw new NotFoundError('line number', number);
  return toLineNumber(row);
}

/**
 * A dialled number in E.164: as Twilio's `To` (+448081570024), or an Asterisk trunk's DID
 * in the Request-URI, often without the plus (448081570024) or national (08081570024).
 */
function dialledE164(raw: string): string | null {
  const trimmed = raw.trim();
  return toE164(trimmed) ?? (/^[1-9]\d{9,14}$/.test(trimmed) ? toE164(`+${trimmed}`) : null);
}

/**
 * The profile of the number a caller dialled, as the carrier presented it (E.164, national,
 * or a name such as `support` from a lab dialplan); `known` false when it is not one of ours.
 */
export async function dialledProfile(db: Db, rawTo: string): Promise<Dialled & { known: boolean }> {
  const number = dialledE164(rawTo);
  const rows = await db.query<LineNumberRow>(
    `select number, profile, label from line_numbers where number = $1 or profile = 'main' order by (number = $1) desc, number limit 2`,
    [number ?? ''],
  );
  const dialled = rows.find((r) => r.number === number);
  const main = rows.find((r) => r.profile === 'main');
  return { ...(dialled ? { profile: dialled.profile } : MAIN_LINE), mainNumber: main?.number ?? null, number, known: Boolean(dialled) };
}
