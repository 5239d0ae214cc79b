// The store's typed errors. HTTP maps them to status codes in one place:
// ValidationError → 422, NotFoundError → 404, ConflictError → 409.

/** Input the store refuses (a bad phone number, an unknown tier, a reference that does not exist). */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    /** The input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
  }
}

/** A row would break a unique rule (an account number or phone already taken). */
export class ConflictError extends Error {
  override readonly name = 'ConflictError';
  constructor(
    message: string,
    /** The Postgres constraint that was violated, e.g. `accounts_number_key`. */
    readonly constraint?: string,
  ) {
    super(message);
  }
}

/**
 * A value Postgres cannot take at all (a NUL character in text, a number beyond
 * bigint, a date beyond its calendar): the caller's input, never our fault. HTTP 400,
 * CLI exit 2.
 */
export class InputError extends Error {
  override readonly name = 'InputError';
}

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
  constructor(readonly entity: string, readonly id: string) {
    super(`${entity} ${id} not found`);
  }
}

/** A migration file changed after it was applied: the database and the code disagree. */
export class MigrationChecksumError extends Error {
  override readonly name = 'MigrationChecksumError';
  constructor(readonly file: string) {
    super(
      `migration ${file} was edited after it was applied (checksum differs); ` +
        'restore the applied version and put the change in a new migration',
    );
  }
}

interface PgErrorShape {
  code?: unknown;
  constraint?: unknown;
  detail?: unknown;
  message?: unknown;
}

/**
 * Turns a Postgres error (from `pg` or PGlite, which share SQLSTATE codes) into a
 * typed error when the cause is the caller's input; anything else is returned as is.
 */
export function translatePgError(err: unknown): unknown {
  if (typeof err !== 'object' || err === null) return err;
  const e = err as PgErrorShape;
  const constraint = typeof e.constraint === 'string' ? e.constraint : undefined;
  switch (e.code) {
    case '23505': // unique_violation
      return new ConflictError(uniqueMessage(constraint, e.detail), constraint);
    case '23503': // foreign_key_violation: a referenced row (engineer, account) does not exist
      return new ValidationError(`refers to a row that does not exist (${constraint ?? 'foreign key'})`);
    case '23514': // check_violation
      return new ValidationError(`value not allowed (${constraint ?? 'check'})`);
    default:
      // Class 22, data exception: the value itself cannot be stored or compared.
      if (typeof e.code === 'string' && e.code.startsWith('22')) return new InputError(dataExceptionMessage(e.code));
      return err;
  }
}

function dataExceptionMessage(code: string): string {
  switch (code) {
    case '22021': // character_not_in_repertoire: a NUL byte in text
    case '22P05':
      return 'text must not contain a NUL character';
    case '22003':
      return 'a number is out of range';
    case '22007':
    case '22008':
      return 'a date or time is out of range';
    case '22P02':
      return 'a value is not in the form expected';
    default:
      return 'a value is not valid';
  }
}

function uniqueMessage(constraint: string | undefined, detail: unknown): string {
  // Postgres' detail reads `Key (number)=(10001) already exists.`: said in words (the value is the caller's own input).
  const m = typeof detail === 'string' ? /^Key \(([^)]+)\)=\((.*)\) already exists\.?$/.exec(detail) : null;
  if (m) return `${m[1]!.replace(/_/g, ' ')} ${m[2]} already exists`;
  return `already exists (${constraint ?? 'unique'})`;
}
