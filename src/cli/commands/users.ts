// Console users from the command line: add one (a generated one-time password,
// printed once), list them, reset a password. Every change is audited as `cli`.
import { audit } from '../../store/audit.ts';
import { endUserSessions } from '../../store/sessions.ts';
import { addUser, findUserByEmail, listUsers, resetPassword, ROLES } from '../../store/users.ts';
import { dispatch, oneOf, parse, required, UsageError } from '../args.ts';
import type { CliContext } from '../context.ts';

type Sub = (ctx: CliContext, argv: string[]) => Promise<void>;

const SUBS: Record<string, Sub> = {
  async add(ctx, argv) {
    const o = parse(argv, { role: { type: 'string' }, email: { type: 'string' }, name: { type: 'string' }, 'engineer-id': { type: 'string' } });
    const db = await ctx.db();
    const { user, password } = await db.tx(async (tx) => {
      const created = await addUser(tx, {
        email: required(o.email, 'email'),
        role: oneOf(o.role, ROLES, 'role'),
        name: o.name ?? null,
        engineerId: o['engineer-id'] ?? null,
      });
      await audit(tx, {
        actor: 'cli',
        action: 'user.added',
        entity: 'user',
        entityId: created.user.id,
        detail: { email: created.user.email, role: created.user.role, engineerId: created.user.engineerId },
      });
      return created;
    });
    ctx.out({ user, oneTimePassword: password, note: 'Shown once. The first sign-in must choose a new password.' });
  },
  async list(ctx, argv) {
    parse(argv, {});
    ctx.out(await listUsers(await ctx.db()));
  },
  async 'reset-password'(ctx, argv) {
    const o = parse(argv, { email: { type: 'string' } });
    const db = await ctx.db();
    const user = await findUserByEmail(db, required(o.email, 'email'));
    if (!user) throw new UsageError(`--email: no user "${o.email}"`);
    const password = await db.tx(async (tx) => {
      const fresh = await resetPassword(tx, user.id);
      await endUserSessions(tx, user.id);
      await audit(tx, { actor: 'cli', action: 'user.password-reset', entity: 'user', entityId: user.id, detail: {} });
      return fresh;
    });
    ctx.out({ email: user.email, oneTimePassword: password, note: 'Shown once. Their sessions have ended; the next sign-in must choose a new password.' });
  },
};

export const usersCommand = dispatch<CliContext>('users', SUBS);
