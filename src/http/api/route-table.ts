// The JSON API as a table of routes: method, path, who may call it and zod schemas
// for its params, query, body and answer. The same table mounts the express routes
// (validating every input) and generates /api/openapi.json, so the document cannot
// drift from what the server accepts.
import type { Request, Response, Router } from 'express';
import { z } from 'zod';
import type { SessionUser } from '../../store/sessions.ts';
import type { Role } from '../../store/users.ts';
import { requireRole } from '../auth/guards.ts';
import { HttpError } from '../errors.ts';
import type { ConsoleDeps } from '../console/deps.ts';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HandlerContext<P, Q, B> {
  req: Request;
  res: Response;
  auth: SessionUser;
  deps: ConsoleDeps;
  params: P;
  query: Q;
  body: B;
}

export interface RouteDef<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType> {
  method: Method;
  /** OpenAPI style, under /api: `/calls/{id}`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  roles: readonly Role[];
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer (JSON), for the document. */
  response?: z.ZodType;
  /** A non-JSON success answer (`text/csv`, `audio/*`): the handler writes it (beside `response`: when asked for it). */
  produces?: string;
  status?: 200 | 201 | 204;
  /** Returns the JSON answer; returns undefined after writing the response itself. */
  handler(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** A route with its schema types erased, for the table. */
export type ApiRoute = RouteDef<z.ZodType, z.ZodType, z.ZodType>;

/** Declares a route, inferring the handler's input types from its schemas. */
export function route<
  P extends z.ZodType = z.ZodObject<Record<string, never>>,
  Q extends z.ZodType = z.ZodObject<Record<string, never>>,
  B extends z.ZodType = z.ZodUndefined,
>(def: RouteDef<P, Q, B>): ApiRoute {
  return def as unknown as ApiRoute;
}

export const errorSchema = z
  .object({
    error: z.object({
      code: z.string().describe('Stable, machine-readable: bad_request, unauthenticated, forbidden, csrf, not_found, conflict, invalid'),
      message: z.string().describe('For a person; never an internal detail'),
    }),
  })
  .meta({ id: 'Error' });

/** What zod found wrong, as one line naming the fields. */
export function issuesText(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : 'input'}: ${i.message}`)
    .join('; ');
}

/** Query strings from HTML forms send empty fields as ''; an empty field is an absent one. */
function withoutEmpty(query: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (query && typeof query === 'object') {
    for (const [k, v] of Object.entries(query)) if (v !== '') out[k] = v;
  }
  return out;
}

export function mountRoutes(router: Router, routes: readonly ApiRoute[], deps: ConsoleDeps): void {
  for (const r of routes) {
    const path = r.path.replace(/\{(\w+)\}/g, ':$1');
    router[r.method](path, async (req, res) => {
      const auth = requireRole(req, r.roles);
      const params = parse(r.params, req.params, 400);
      const query = parse(r.query, withoutEmpty(req.query), 400);
      const body = r.body ? parse(r.body, req.body ?? {}, 422) : undefined;
      const result = await r.handler({ req, res, auth, deps, params, query, body });
      if (res.headersSent) return;
      if (r.status === 204 || result === undefined) {
        res.status(204).end();
        return;
      }
      res.status(r.status ?? 200).json(result);
    });
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, status: 400 | 422): unknown {
  if (!schema) return {};
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw new HttpError(status, status === 400 ? 'bad_request' : 'invalid', issuesText(parsed.error));
  }
  return parsed.data;
}
