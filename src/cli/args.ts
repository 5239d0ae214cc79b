// Argument parsing for the command line: node's parseArgs, plus checks that turn
// bad input into one clear line and exit code 2.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { instantProblem, offsetProblem, yearProblem } from '../domain/input-rules.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** `--help` (or `-h`) was asked for: the text goes to stdout and the exit code is 0. */
export class HelpRequest extends Error {
  override readonly name = 'HelpRequest';
}

export const wantsHelp = (argv: readonly string[]) => argv.includes('--help') || argv.includes('-h');

export type Options = NonNullable<ParseArgsConfig['options']>;

/** The options a command takes, one a line, from the same table parseArgs checks. */
function usageOf(options: Options): string {
  const rows = Object.entries(options).map(([name, o]) => `  --${name}${o.type === 'string' ? ' <value>' : ''}${o.multiple ? '  (may be repeated)' : ''}`);
  return rows.length > 0 ? `options:\n${rows.join('\n')}` : 'no options';
}

/**
 * `--keys "- - 1"`: parseArgs refuses a value that starts with a dash as ambiguous.
 * A string option followed by anything that is not one of our own options takes it
 * as its value.
 */
function joinDashValues(argv: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = argv[i + 1];
    const name = a.startsWith('--') ? a.slice(2) : null;
    const known = (v: string) => v.startsWith('--') && Object.hasOwn(options, v.slice(2).split('=')[0]!);
    if (name && Object.hasOwn(options, name) && options[name]!.type === 'string' && next !== undefined && next.startsWith('-') && !known(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

export function parse<O extends Options>(argv: string[], options: O) {
  if (wantsHelp(argv)) throw new HelpRequest(usageOf(options));
  try {
    return parseArgs({ args: joinDashValues(argv, options), options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new UsageError((err as Error).message.split('\n')[0] ?? 'bad arguments');
  }
}

type Sub<C> = (ctx: C, argv: string[]) => Promise<void>;

/** A noun's subcommands (`accounts add`, `tickets show`): own names only, so `constructor` is no command. */
export function dispatch<C>(noun: string, subs: Record<string, Sub<C>>): Sub<C> {
  return async (ctx, argv) => {
    const [sub, ...rest] = argv;
    if (sub === undefined || sub === '--help' || sub === '-h') {
      if (sub !== undefined) throw new HelpRequest(`subcommands: ${Object.keys(subs).join(', ')}\n(support-line ${noun} <subcommand> --help for its options)`);
    }
    const run = sub !== undefined && Object.hasOwn(subs, sub) ? subs[sub] : undefined;
    if (!run) throw new UsageError(`${noun}: expected one of ${Object.keys(subs).join(', ')}${sub === undefined ? '' : `, not "${sub}"`}`);
    await run(ctx, rest);
  };
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
  const offset = ISO_INSTANT.test(v) ? /([+-]\d{2}:\d{2})$/.exec(v)?.[1] : undefined;
  const offsetWrong = offset ? offsetProblem(offset) : null;
  if (offsetWrong) throw new UsageError(`--${flag}: "${v}": ${offsetWrong}`);
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

/**
 * An instant as `instant` takes it, or a UK wall-clock time relative to now:
 * `today 14:00`, `tomorrow 02:00` (so an example works on whatever day it is run).
 */
export function instantOrDay(value: string | undefined, flag: string, now: Date): Date {
  const v = required(value, flag).trim();
  const m = /^(today|tomorrow)\s+(\d{1,2}):(\d{2})$/.exec(v);
  if (!m) return instant(v, flag);
  const [hour, minute] = [Number(m[2]), Number(m[3])];
  if (hour > 23 || minute > 59) throw new UsageError(`--${flag}: "${v}": the time must be HH:MM, 00:00 to 23:59`);
  const day = DateTime.fromJSDate(now, { zone: 'Europe/London' }).startOf('day').plus({ days: m[1] === 'tomorrow' ? 1 : 0 });
  return day.set({ hour, minute }).toJSDate();
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
