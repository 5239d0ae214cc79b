// support-line calls unaccounted --since ISO: every call must end with a ticket or
// a reason why not; this lists those that did not, and calls that never ended.
import { unaccountedCalls } from '../../store/reports.ts';
import { dispatch, instant, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

export const callsCommand = dispatch<CliContext>('calls', {
  async unaccounted(ctx, rest) {
    const o = parse(rest, { since: { type: 'string' } });
    const since = instant(o.since, 'since');
    ctx.out(await unaccountedCalls(await ctx.db(), { since, now: new Date() }));
  },
});
