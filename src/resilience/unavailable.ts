// Telling "the server is not there" apart from every other failure. Only the first
// sends the line into a degraded mode; a constraint violation or a bug must still fail.

/** A dependency did not answer in time. */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  constructor(what: string, ms: number) {
    super(`${what}: no answer within ${ms} ms`);
  }
}

/** Thrown when a read has no cached copy to fall back on while the server is away. */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CLOSED',
]);

// SQLSTATE class 08 (connection exception) and the server going away or refusing work.
const PG_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300)$/;

const MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /not queryable/i,
  /connection is closed/i, // ioredis
  /stream isn't writeable/i, // ioredis, offline queue off
  /reached the max retries per request/i, // ioredis MaxRetriesPerRequestError
  /socket hang up/i,
];

interface ErrorShape {
  code?: unknown;
  name?: unknown;
  message?: unknown;
  errors?: unknown;
  cause?: unknown;
}

/** True when `err` means the server could not be reached or stopped answering. */
export function isUnavailable(err: unknown, depth = 0): boolean {
  if (depth > 4 || typeof err !== 'object' || err === null) return false;
  if (err instanceof TimeoutError || err instanceof StoreUnavailableError) return true;
  const e = err as ErrorShape;
  if (typeof e.code === 'string' && (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code))) return true;
  if (e.name === 'MaxRetriesPerRequestError') return true;
  if (typeof e.message === 'string' && MESSAGES.some((m) => m.test(e.message as string))) return true;
  // Node reports a failed connect to several addresses as an AggregateError.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isUnavailable(inner, depth + 1))) return true;
  return e.cause !== undefined && isUnavailable(e.cause, depth + 1);
}

/**
 * How long to keep waiting past the timeout while the server is plainly there: each time
 * `ms` runs out, the wait goes on if `answering()` (the server answered something else
 * within the last `ms`), up to `maxMs` in all.
 */
export interface Patience {
  answering: () => boolean;
  maxMs: number;
}

/**
 * `p`, or a TimeoutError after `ms` (see Patience for the extension). The work itself is
 * not cancelled: it must be safe to finish late.
 */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, patience?: Patience): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const started = Date.now();
    const expire = (): void => {
      const left = patience ? patience.maxMs - (Date.now() - started) : 0;
      if (patience && left > 0 && patience.answering()) timer = setTimeout(expire, Math.min(ms, left));
      else reject(new TimeoutError(what, ms));
    };
    let timer = setTimeout(expire, ms);
    p.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
