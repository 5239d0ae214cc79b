// support-line route: where a call would go.
import { PRIORITIES, TIERS } from '../../domain/contracts.ts';
import { decideRoute } from '../../domain/routing.ts';
import { instant, oneOf, parse } from '../args.ts';
import type { CliContext } from '../context.ts';

const MENUS = ['fault', 'status', 'complaint', 'billing'] as const;

export async function routeCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const o = parse(argv, { tier: { type: 'string' }, priority: { type: 'string' }, at: { type: 'string' }, menu: { type: 'string' } });
  const tier = oneOf(o.tier, TIERS, 'tier');
  const priority = oneOf(o.priority, PRIORITIES, 'priority', 'standard');
  const at = instant(o.at, 'at');
  const menu = oneOf(o.menu, MENUS, 'menu', 'fault');
  if (menu === 'status') {
    ctx.out({ route: 'self-service', coverCalendar: 'always', reason: 'ticket status is read back by the line itself, at any hour' });
    return;
  }
  const d = decideRoute({ tier, priority: menu === 'fault' ? priority : null, menu, at, calendar: await ctx.calendar() });
  ctx.out({ route: d.route, coverCalendar: d.coverCalendar, reason: d.reason });
}
