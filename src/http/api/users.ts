// Console users, managed by admins: add one (with a one-time password shown once),
// change a role or link, disable, reset a password. Disabling or resetting ends the
// user's sessions at once. Every change is audited.
import { z } from 'zod';
import { audit } from '../../store/audit.ts';
import { endUserSessions, type SessionUser } from '../../store/sessions.ts';
import { addUser, getUser, listUsers, resetPassword, ROLES, updateUser, type UserRecord } from '../../store/users.ts';
import { ADMINS, EVERYONE } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import { HttpError, notFound } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { announceSessionChange } from '../console/events.ts';
import { checkbox, idParam } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';

export const newUserBody = z.object({
  email: z.string().trim().toLowerCase().email('must be an email address').max(254),
  name: z.string().trim().max(100).optional(),
  role: z.enum(ROLES),
  engineerId: idParam.optional().describe('For an engineer user: the engineer they answer calls as'),
});

export const userPatchBody = z.object({
  name: z.string().trim().min(1).max(100).optional(),
  role: z.enum(ROLES).optional(),
  engineerId: idParam.nullable().optional(),
  disabled: z.boolean().optional(),
});

/** The same patch as a console form sends it (strings and a checkbox). */
export const userFormBody = z.object({
  role: z.enum(ROLES),
  engineerId: z.union([idParam, z.literal('')]).optional(),
  disabled: checkbox,
});

export async function addUserAs(deps: ConsoleDeps, auth: SessionUser, input: z.output<typeof newUserBody>): Promise<{ user: UserRecord; password: string }> {
  return deps.db.tx(async (tx) => {
    const created = await addUser(tx, { email: input.email, name: input.name ?? null, role: input.role, engineerId: input.engineerId ?? null });
    await audit(tx, {
      actor: actorOf(auth),
      action: 'user.added',
      entity: 'user',
      entityId: created.user.id,
      detail: { email: created.user.email, role: created.user.role, engineerId: created.user.engineerId },
    });
    return created;
  });
}

export async function updateUserAs(deps: ConsoleDeps, auth: SessionUser, id: string, patch: z.output<typeof userPatchBody>): Promise<UserRecord> {
  if (id === auth.user.id && (patch.disabled === true || (patch.role !== undefined && patch.role !== 'admin'))) {
    throw new HttpError(409, 'conflict', 'you cannot disable yourself or give up your own admin role');
  }
  const updated = await deps.db.tx(async (tx) => {
    const before = await getUser(tx, id);
    if (!before) throw notFound('no such user');
    const after = await updateUser(tx, id, {
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.engineerId !== undefined ? { engineerId: patch.engineerId } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
    });
    const changed = Object.fromEntries(
      (['name', 'role', 'engineerId', 'disabled'] as const)
        .filter((k) => before[k] !== after[k])
        .map((k) => [k, { from: before[k], to: after[k] }]),
    );
    await audit(tx, { actor: actorOf(auth), action: 'user.updated', entity: 'user', entityId: id, detail: changed });
    // A disabled user, or one whose role changed, must sign in again under the new rules.
    if (after.disabled || before.role !== after.role) await endUserSessions(tx, id);
    return after;
  });
  // Committed: their open live pages check their sessions (and engineer link) again.
  await announceSessionChange(deps.live, id, deps.logger);
  return updated;
}

export async function resetPasswordAs(deps: ConsoleDeps, auth: SessionUser, id: string): Promise<string> {
  const password = await deps.db.tx(async (tx) => {
    const fresh = await resetPassword(tx, id);
    await endUserSessions(tx, id, id === auth.user.id ? auth.sessionId : null);
    await audit(tx, { actor: actorOf(auth), action: 'user.password-reset', entity: 'user', entityId: id, detail: {} });
    return fresh;
  });
  await announceSessionChange(deps.live, id, deps.logger);
  return password;
}

// ---------------------------------------------------------------------------

const userSchema = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string(),
    role: z.enum(ROLES),
    engineerId: z.string().nullable(),
    disabled: z.boolean(),
    mustChangePassword: z.boolean(),
    createdAt: z.string().describe('ISO 8601 instant'),
  })
  .meta({ id: 'User' });

export const userRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/me',
    operationId: 'me',
    summary: 'The signed-in user',
    tag: 'users',
    roles: EVERYONE,
    response: z.object({ id: z.string(), email: z.string(), name: z.string(), role: z.enum(ROLES), engineerId: z.string().nullable() }),
    async handler({ auth }) {
      const { id, email, name, role, engineerId } = auth.user;
      return { id, email, name, role, engineerId };
    },
  }),
  route({
    method: 'get',
    path: '/users',
    operationId: 'listUsers',
    summary: 'Every console user (admins)',
    tag: 'users',
    roles: ADMINS,
    response: z.array(userSchema),
    handler: ({ deps }) => listUsers(deps.db),
  }),
  route({
    method: 'post',
    path: '/users',
    operationId: 'addUser',
    summary: 'Add a user (admins); the answer holds their one-time password, shown this once',
    tag: 'users',
    roles: ADMINS,
    body: newUserBody,
    status: 201,
    response: z.object({ user: userSchema, password: z.string().describe('One-time: the first sign-in must replace it') }),
    handler: ({ deps, auth, body }) => addUserAs(deps, auth, body),
  }),
  route({
    method: 'patch',
    path: '/users/{id}',
    operationId: 'updateUser',
    summary: 'Change a user’s name, role or engineer link, or disable them (admins)',
    tag: 'users',
    roles: ADMINS,
    params: z.object({ id: idParam }),
    body: userPatchBody,
    response: userSchema,
    handler: ({ deps, auth, params, body }) => updateUserAs(deps, auth, params.id, body),
  }),
  route({
    method: 'post',
    path: '/users/{id}/reset-password',
    operationId: 'resetPassword',
    summary: 'A new one-time password for a user (admins); their sessions end',
    tag: 'users',
    roles: ADMINS,
    params: z.object({ id: idParam }),
    response: z.object({ password: z.string() }),
    async handler({ deps, auth, params }) {
      return { password: await resetPasswordAs(deps, auth, params.id) };
    },
  }),
];
