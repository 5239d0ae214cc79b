// Small input checks shared by the repositories; each failure names its field.
import { hasNul, isRowId, yearProblem } from '../domain/input-rules.ts';
import { ValidationError } from './errors.ts';
import { toE164 } from './phone.ts';

export function requireText(value: string, field: string): string {
  const trimmed = value.trim();
  if (trimmed === '') throw new ValidationError(`${field} is required`, field);
  if (hasNul(trimmed)) throw new ValidationError(`${field} must not contain a NUL character`, field);
  return trimmed;
}

/** A calendar day, `YYYY-MM-DD`, that exists. */
export function requireLocalDate(value: string, field: string): string {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  const day = match ? new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))) : null;
  if (!day || day.toISOString().slice(0, 10) !== value) {
    throw new ValidationError(`${field} must be a date as YYYY-MM-DD`, field);
  }
  const outside = yearProblem(Number(value.slice(0, 4)));
  if (outside) throw new ValidationError(`${field}: ${outside}`, field);
  return value;
}

export function requireInstant(value: Date, field: string): Date {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) {
    throw new ValidationError(`${field} must be a valid time`, field);
  }
  return value;
}

export function requireWindow(from: Date, to: Date): void {
  requireInstant(from, 'from');
  requireInstant(to, 'to');
  for (const [field, at] of [['from', from], ['to', to]] as const) {
    const outside = yearProblem(at.getUTCFullYear());
    if (outside) throw new ValidationError(`${field}: ${outside}`, field);
  }
  if (to <= from) throw new ValidationError('to must be after from', 'to');
}

export function requirePhone(raw: string, field: string): string {
  const e164 = toE164(raw);
  if (!e164) throw new ValidationError(`${field} ${JSON.stringify(raw)} is not a valid phone number`, field);
  return e164;
}

export function requireOneOf<T extends string>(value: string, allowed: readonly T[], field: string): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ValidationError(`${field} must be one of ${allowed.join(', ')}`, field);
  }
  return value as T;
}

/** Ids are bigints kept as strings; anything else cannot name a row. */
export function isId(value: string): boolean {
  return isRowId(value);
}
