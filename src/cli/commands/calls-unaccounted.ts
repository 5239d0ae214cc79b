// support-line calls unaccounted --since ISO: every call must end with a ticket or
// a reason why not; this lists those that did not, and calls that never ended.
import { unaccountedCalls } from '../../store/reports.ts';
import { instant, parse, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';

export async function callsCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'unaccounted') throw new UsageError('calls: expected unaccounted');
  const o = parse(rest, { since: { type: 'string' } });
  const since = instant(o.since, 'since');
  const calls = await unaccountedCalls(await ctx.db(), { since, now: new Date() });
  ctx.out(calls);
}
