// Provisioning, as an operator onboards customers: accounts, engineers, the rota, closures.
import { TIERS } from '../../domain/contracts.ts';
import { ROTA_LEVELS } from '../../domain/escalation.ts';
import { addAccount, listAccounts, setAfterCallTexts } from '../../store/accounts.ts';
import { audit } from '../../store/audit.ts';
import { listClosures } from '../../store/closures.ts';
import { addEngineer, listEngineers } from '../../store/engineers.ts';
import { addShift, listShifts } from '../../store/rota.ts';
import { addOfficeClosure, removeOfficeClosure } from '../../tickets/closures.ts';
import { dispatch, instant, localDate, oneOf, parse, required, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';



export const accountsCommand = dispatch<CliContext>('accounts', {
  async add(ctx, argv) {
    const o = parse(argv, {
      number: { type: 'string' },
      name: { type: 'string' },
      tier: { type: 'string' },
      pin: { type: 'string' },
      phone: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      suspended: { type: 'boolean' },
    });
    const db = await ctx.db();
    const account = await addAccount(db, {
      number: required(o.number, 'number'),
      name: required(o.name, 'name'),
      tier: oneOf(o.tier, TIERS, 'tier'),
      pin: required(o.pin, 'pin'),
      phones: o.phone ?? [],
      startsOn: o.from ? localDate(o.from, 'from') : new Date().toISOString().slice(0, 10),
      endsOn: o.to ? localDate(o.to, 'to') : null,
      status: o.suspended ? 'suspended' : 'active',
    });
    await audit(db, { actor: 'cli', action: 'account.added', entity: 'account', entityId: account.id, detail: { number: account.number } });
    ctx.out(account);
  },
  async list(ctx, argv) {
    parse(argv, {});
    ctx.out(await listAccounts(await ctx.db()));
  },
  /** After-call texts (the reference and promised time) to the account's mobile callers: on by default. */
  async texts(ctx, argv) {
    const o = parse(argv, { number: { type: 'string' }, on: { type: 'boolean' }, off: { type: 'boolean' } });
    const number = required(o.number, 'number');
    if (Boolean(o.on) === Boolean(o.off)) throw new UsageError('give one of --on or --off');
    const db = await ctx.db();
    const on = Boolean(o.on);
    const account = await setAfterCallTexts(db, number, on);
    if (!account) throw new UsageError(`--number: no account ${number}`);
    await audit(db, { actor: 'cli', action: on ? 'account.texts-on' : 'account.texts-off', entity: 'account', entityId: account.id, detail: { number } });
    ctx.out({ number, afterCallTexts: on });
  },
});

export const engineersCommand = dispatch<CliContext>('engineers', {
  async add(ctx, argv) {
    const o = parse(argv, { name: { type: 'string' }, phone: { type: 'string' }, 'dial-target': { type: 'string' }, email: { type: 'string' } });
    const db = await ctx.db();
    // Two engineers of one name cannot be told apart on the rota or in the console: refused.
    const name = required(o.name, 'name').trim();
    const same = (await listEngineers(db)).find((e) => e.name.toLowerCase() === name.toLowerCase());
    if (same) throw new UsageError(`--name: an engineer named ${same.name} already exists (id ${same.id}); add a surname or initial to tell them apart`);
    const engineer = await addEngineer(db, {
      name,
      phone: required(o.phone, 'phone'),
      dialTarget: o['dial-target'] ?? null,
      email: o.email ?? null,
    });
    await audit(db, { actor: 'cli', action: 'engineer.added', entity: 'engineer', entityId: engineer.id, detail: { name: engineer.name } });
    ctx.out(engineer);
  },
  async list(ctx, argv) {
    parse(argv, {});
    ctx.out(await listEngineers(await ctx.db()));
  },
});

export const rotaCommand = dispatch<CliContext>('rota', {
  async add(ctx, argv) {
    const o = parse(argv, {
      engineer: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      level: { type: 'string' },
      override: { type: 'boolean' },
      note: { type: 'string' },
    });
    const from = instant(o.from, 'from');
    const to = instant(o.to, 'to');
    if (to <= from) throw new UsageError('--to must be after --from');
    const db = await ctx.db();
    const engineerId = await resolveEngineer(ctx, required(o.engineer, 'engineer'));
    const shift = await addShift(db, {
      engineerId,
      level: oneOf(o.level, ROTA_LEVELS, 'level'),
      from,
      to,
      isOverride: o.override ?? false,
      note: o.note ?? null,
    });
    await audit(db, { actor: 'cli', action: 'rota.shift-added', entity: 'rota_shift', entityId: shift.id, detail: { engineerId, level: shift.level } });
    ctx.out(shift);
  },
  async list(ctx, argv) {
    const o = parse(argv, { from: { type: 'string' }, to: { type: 'string' } });
    ctx.out(
      await listShifts(await ctx.db(), {
        ...(o.from ? { from: instant(o.from, 'from') } : {}),
        ...(o.to ? { to: instant(o.to, 'to') } : {}),
      }),
    );
  },
});

/** An engineer by id, or by exact name. */
async function resolveEngineer(ctx: CliContext, value: string): Promise<string> {
  const engineers = await listEngineers(await ctx.db());
  const match = engineers.find((e) => e.id === value) ?? engineers.filter((e) => e.name === value);
  if (!Array.isArray(match)) return match.id;
  if (match.length === 1 && match[0]) return match[0].id;
  throw new UsageError(match.length === 0 ? `--engineer: no engineer "${value}"` : `--engineer: "${value}" names ${match.length} engineers; use the id`);
}

export const closuresCommand = dispatch<CliContext>('closures', {
  async add(ctx, argv) {
    const o = parse(argv, { from: { type: 'string' }, to: { type: 'string' }, reason: { type: 'string' } });
    const from = instant(o.from, 'from');
    const to = instant(o.to, 'to');
    if (to <= from) throw new UsageError('--to must be after --from');
    const deps = { db: await ctx.db(), division: ctx.config.OFFICE_DIVISION };
    const { closure, tickets, timersMoved } = await addOfficeClosure(deps, { from, to, reason: required(o.reason, 'reason'), actor: 'cli', at: new Date() });
    ctx.out({ ...closure, recomputed: { tickets, timers: timersMoved } });
  },
  async remove(ctx, argv) {
    const o = parse(argv, { id: { type: 'string' } });
    const id = required(o.id, 'id');
    const deps = { db: await ctx.db(), division: ctx.config.OFFICE_DIVISION };
    const removed = await removeOfficeClosure(deps, { id, actor: 'cli', at: new Date() });
    if (!removed) throw new UsageError(`--id: no closure ${id}`);
    ctx.out({ removed: id, recomputed: { tickets: removed.tickets, timers: removed.timersMoved } });
  },
  async list(ctx, argv) {
    const o = parse(argv, { from: { type: 'string' }, to: { type: 'string' } });
    ctx.out(
      await listClosures(await ctx.db(), {
        ...(o.from ? { from: instant(o.from, 'from') } : {}),
        ...(o.to ? { to: instant(o.to, 'to') } : {}),
      }),
    );
  },
});
