// Argument parsing for the command line: node's parseArgs, plus checks that turn
// bad input into one clear line and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { instantProblem, yearProblem } from '../domain/input-rules.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** An ISO-8601 instant with a zone (`Z` or an offset); impossible dates are refused. */
export function instant(value: string | undefined, flag: string): Date {
  const v = required(value, flag);
  const d = new Date(v);
  if (!ISO_INSTANT.test(v) || Number.isNaN(d.getTime())) {
    throw new UsageError(`--${flag}: "${v}" is not an ISO-8601 instant with a zone, e.g. 2026-11-21T03:00:00Z`);
  }
  // Date accepts 2026-02-30 by rolling over; a real calendar date round-trips.
  const datePart = v.slice(0, 10);
  const offsetMs = v.endsWith('Z') ? 0 : offsetOf(v.slice(-6));
  const local = new Date(d.getTime() + offsetMs).toISOString().slice(0, 10);
  if (local !== datePart) throw new UsageError(`--${flag}: ${datePart} is not a real date`);
  const problem = instantProblem(v, d);
  if (problem) throw new UsageError(`--${flag}: "${v}": ${problem}`);
  return d;
}

function offsetOf(s: string): number {
  const sign = s.startsWith('-') ? -1 : 1;
  return sign * (Number(s.slice(1, 3)) * 60 + Number(s.slice(4, 6))) * 60_000;
}

export function localDate(value: string | undefined, flag: string): string {
  const v = required(value, flag);
  const d = new Date(`${v}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== v) {
    throw new UsageError(`--${flag}: "${v}" is not a date (YYYY-MM-DD)`);
  }
  const problem = yearProblem(Number(v.slice(0, 4)));
  if (problem) throw new UsageError(`--${flag}: "${v}": ${problem}`);
  return v;
}

export function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], flag: string, fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  const v = required(value, flag);
  if (!(allowed as readonly string[]).includes(v)) {
    throw new UsageError(`--${flag}: "${v}" is not one of ${allowed.join(', ')}`);
  }
  return v as T;
}

export function integer(value: string | undefined, flag: string, min: number, max: number): number {
  const v = required(value, flag);
  const n = z.coerce.number().int().safeParse(v);
  if (!/^-?\d+$/.test(v) || !n.success || n.data < min || n.data > max) {
    throw new UsageError(`--${flag}: "${v}" must be a whole number from ${min} to ${max}`);
  }
  return n.data;
}

/** `FROM/TO` as two instants. */
export function interval(value: string, flag: string): { from: Date; to: Date } {
  const [a, b, extra] = value.split('/');
  if (!a || !b || extra !== undefined) throw new UsageError(`--${flag}: "${value}" must be FROM/TO (two ISO instants)`);
  const from = instant(a, flag);
  const to = instant(b, flag);
  if (to <= from) throw new UsageError(`--${flag}: ${b} is not after ${a}`);
  return { from, to };
}
