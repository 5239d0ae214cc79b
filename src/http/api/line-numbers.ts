// The line's own numbers (issue 17): which profile each number dialled gets (main,
// cat4_24h, billing). Admins change them; each change is audited in its transaction.
// A bad number or profile is refused by the store (422 with the field) and changes nothing.
import { z } from 'zod';
import { DIALLED_PROFILES } from '../../domain/dialled.ts';
import { audit } from '../../store/audit.ts';
import type { Db } from '../../store/db.ts';
import { addLineNumber, listLineNumbers, removeLineNumber, setLineNumberProfile, type LineNumber } from '../../store/line-numbers.ts';
import type { SessionUser } from '../../store/sessions.ts';
import { ADMINS, EVERYONE } from '../auth/guards.ts';
import { actorOf } from '../auth/session.ts';
import type { ConsoleDeps } from '../console/deps.ts';
import { text } from './inputs.ts';
import { route, type ApiRoute } from './route-table.ts';

const lineNumberSchema = z
  .object({ number: z.string().describe('E.164'), profile: z.enum(DIALLED_PROFILES), label: z.string() })
  .meta({ id: 'LineNumber' });
const numberParam = z.object({ number: z.string().min(1).max(40).describe('The number, E.164 (URL-encode the +) or national') });
const profile = z.enum(DIALLED_PROFILES).describe('main: the usual menu; cat4_24h: Cat4 customers straight to the fault questions; billing: straight to billing');

export async function changeLineNumber(
  deps: ConsoleDeps,
  auth: SessionUser,
  action: string,
  apply: (db: Db) => Promise<LineNumber>,
): Promise<LineNumber> {
  return deps.db.tx(async (db) => {
    const row = await apply(db);
    await audit(db, { actor: actorOf(auth), action, entity: 'line_number', entityId: row.number, detail: { profile: row.profile, label: row.label }, at: deps.now() });
    return row;
  });
}

export const lineNumberRoutes: ApiRoute[] = [
  route({
    method: 'get',
    path: '/numbers',
    operationId: 'listLineNumbers',
    summary: "The line's own numbers and the profile each one dialled gets",
    tag: 'numbers',
    roles: EVERYONE,
    response: z.array(lineNumberSchema),
    handler: ({ deps }) => listLineNumbers(deps.db),
  }),
  route({
    method: 'post',
    path: '/numbers',
    operationId: 'addLineNumber',
    summary: "Add one of the line's numbers (admins)",
    tag: 'numbers',
    roles: ADMINS,
    body: z.object({ number: text(40).describe('E.164 or national, e.g. 0808 157 0024'), profile, label: text(100) }),
    status: 201,
    response: lineNumberSchema,
    handler: ({ deps, auth, body }) => changeLineNumber(deps, auth, 'line-number.added', (db) => addLineNumber(db, body)),
  }),
  route({
    method: 'patch',
    path: '/numbers/{number}',
    operationId: 'setLineNumberProfile',
    summary: "Change a number's profile (admins)",
    tag: 'numbers',
    roles: ADMINS,
    params: numberParam,
    body: z.object({ profile }),
    response: lineNumberSchema,
    handler: ({ deps, auth, params, body }) =>
      changeLineNumber(deps, auth, 'line-number.profile-set', (db) => setLineNumberProfile(db, params.number, body.profile)),
  }),
  route({
    method: 'delete',
    path: '/numbers/{number}',
    operationId: 'removeLineNumber',
    summary: "Remove one of the line's numbers (admins); calls to it are then handled as the main number",
    tag: 'numbers',
    roles: ADMINS,
    params: numberParam,
    response: lineNumberSchema,
    handler: ({ deps, auth, params }) => changeLineNumber(deps, auth, 'line-number.removed', (db) => removeLineNumber(db, params.number)),
  }),
];
