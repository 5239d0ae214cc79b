// support-line migrate | seed --demo
import { seedDemo } from '../../store/seed-demo.ts';
import { parse, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';

export async function migrateCommand(ctx: CliContext, argv: string[]): Promise<void> {
  parse(argv, {});
  // Opening the database migrates it (under an advisory lock); report what this run applied.
  await ctx.db();
  ctx.out({ ok: true, applied: ctx.applied });
}

export async function seedCommand(ctx: CliContext, argv: string[]): Promise<void> {
  const o = parse(argv, { demo: { type: 'boolean' } });
  if (!o.demo) throw new UsageError('seed: only --demo is supported');
  ctx.out(await seedDemo(await ctx.db(), new Date()));
}
