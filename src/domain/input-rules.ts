// One rule for the dates, ids and text a person types, whichever door they come in
// by (the command line, the API, the console's forms): the same input is refused in
// the same words everywhere, before it reaches Postgres.

/** Dates a support line can mean: closures, shifts, contracts, reports. */
export const YEARS = { first: 2000, last: 2100 } as const;

/** Real UTC offsets run from -12:00 to +14:00; nothing beyond ±14:00 exists. */
export const MAX_OFFSET_MINUTES = 14 * 60;

/** Postgres bigint's maximum: every row id is one. */
export const MAX_ROW_ID = 9223372036854775807n;

/** Why a year cannot be meant, or null. */
export function yearProblem(year: number): string | null {
  if (!Number.isInteger(year) || year < YEARS.first || year > YEARS.last) {
    return `the year must be from ${YEARS.first} to ${YEARS.last}`;
  }
  return null;
}

/** Why a `+HH:MM` / `-HH:MM` offset is not a real one, or null. */
export function offsetProblem(offset: string): string | null {
  const m = /^[+-](\d{2}):(\d{2})$/.exec(offset);
  if (!m) return 'the UTC offset must read +HH:MM or -HH:MM';
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || minutes > MAX_OFFSET_MINUTES) return 'the UTC offset must be within ±14:00';
  return null;
}

/**
 * Why an ISO-8601 date-time text cannot be meant (its offset or its year), or null.
 * The caller checks the form and that the calendar date is real; this is the range.
 */
export function instantProblem(text: string, at: Date): string | null {
  const offset = /([+-]\d{2}:\d{2})$/.exec(text)?.[1];
  if (offset) {
    const problem = offsetProblem(offset);
    if (problem) return problem;
  }
  return yearProblem(Number(text.slice(0, 4))) ?? (Number.isNaN(at.getTime()) ? 'is not a real date and time' : yearProblem(at.getUTCFullYear()));
}

/** A row id: digits, no leading zero, within bigint. */
export function isRowId(value: string): boolean {
  return /^[1-9][0-9]{0,18}$/.test(value) && BigInt(value) <= MAX_ROW_ID;
}

/** Postgres text cannot hold a NUL character; a person never means one. */
export function hasNul(value: string): boolean {
  return value.includes('\u0000');
}
