// Nothing under /api may hide from /api/openapi.json: the routes the running app
// actually mounts (found by walking express's router stacks, not the route table)
// are each in the document, with their path parameters, a request body where they
// take one, and an answer's schema.
import type { Router } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRouter } from '../../src/http/api/router.ts';
import { buildApp } from '../../src/runtime.ts';
import { signedIn, startConsoleLine, type ConsoleLine } from '../support/console-line.ts';

interface Mounted {
  method: string;
  path: string;
}

interface StackLayer {
  rawPath?: unknown;
  route?: { path: unknown; methods: Record<string, boolean> };
  handle?: { stack?: StackLayer[] };
}

/** Every method and path in a router and the routers mounted in it, express style (`/calls/:id`). */
function mountedRoutes(stack: readonly StackLayer[], prefix = ''): Mounted[] {
  const out: Mounted[] = [];
  for (const layer of stack) {
    if (layer.route) {
      for (const [method, on] of Object.entries(layer.route.methods)) {
        if (on && method !== '_all') out.push({ method, path: join(prefix, String(layer.route.path)) });
      }
    } else if (layer.handle?.stack) {
      out.push(...mountedRoutes(layer.handle.stack, join(prefix, typeof layer.rawPath === 'string' ? layer.rawPath : '')));
    }
  }
  return out;
}

/** The API's routes but the document itself. */
const underApi = (routes: Mounted[]) => routes.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/openapi.json');
const join = (a: string, b: string) => (a + (b === '/' ? '' : b)).replace(/\/+/g, '/') || '/';
const openApiPath = (express: string) => express.replace(/:(\w+)/g, '{$1}');

// Changes that take no body: the path says it all (and every DELETE, which carries none).
const BODYLESS = new Set(['post /api/notifications/{id}/ack', 'post /api/users/{id}/reset-password', 'post /api/announcements/{id}/withdraw']);

type Operation = {
  parameters: { name: string; in: string; schema: unknown }[];
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
};

/** What is missing from the document for one mounted route; empty when it is all there. */
function gaps(doc: { paths: Record<string, Record<string, Operation>> }, r: Mounted): string[] {
  const path = openApiPath(r.path);
  const op = doc.paths[path]?.[r.method];
  const name = `${r.method} ${path}`;
  if (!op) return [`${name}: not in the document`];
  const out: string[] = [];
  for (const [, param] of path.matchAll(/\{(\w+)\}/g)) {
    if (!op.parameters.some((p) => p.in === 'path' && p.name === param && p.schema)) out.push(`${name}: path parameter ${param} undescribed`);
  }
  if (r.method !== 'get' && r.method !== 'delete' && !BODYLESS.has(name) && !op.requestBody?.content['application/json']?.schema) out.push(`${name}: no request body schema`);
  const [status, success] = Object.entries(op.responses).find(([code]) => code.startsWith('2')) ?? [];
  if (!success) out.push(`${name}: no success answer`);
  else if (status !== '204') {
    const json = success.content?.['application/json']?.schema;
    const other = Object.entries(success.content ?? {}).filter(([type]) => type !== 'application/json');
    if (!(json && Object.keys(json).length > 0) && other.length === 0) out.push(`${name}: no answer schema`);
  }
  return out;
}

let t: ConsoleLine;
let doc: { paths: Record<string, Record<string, Operation>> };
let mounted: Mounted[];

beforeAll(async () => {
  t = await startConsoleLine();
  const app = buildApp(t.line) as unknown as { router: { stack: StackLayer[] } };
  mounted = underApi(mountedRoutes(app.router.stack));
  const admin = await signedIn(t.url, t.users.admin.email);
  doc = (await (await admin.get('/api/openapi.json')).json()) as typeof doc;
});
afterAll(async () => {
  await t?.stop();
});

describe('/api/openapi.json against what the app mounts', () => {
  it('finds the routes of the console pages’ actions, tickets and reports among those mounted', () => {
    const names = mounted.map((r) => `${r.method} ${openApiPath(r.path)}`);
    for (const expected of ['post /api/tickets/{ref}/acknowledge', 'post /api/tickets/{ref}/adr-done', 'post /api/complaints', 'get /api/reports/sla', 'get /api/feed', 'get /api/tasks', 'post /api/tickets/{ref}/assign']) {
      expect(names).toContain(expected);
    }
  });

  it('describes every mounted route: in the document, path parameters, request body and answer', () => {
    expect(mounted.length).toBeGreaterThan(40);
    expect(mounted.flatMap((r) => gaps(doc, r))).toEqual([]);
  });

  it('would catch a router mounted beside the table', () => {
    const api = apiRouter({ ...t.line, now: () => new Date(0) } as never) as unknown as Router & { stack: StackLayer[] };
    api.get('/hidden/:id', (_req, res) => res.end());
    const found = underApi(mountedRoutes(api.stack, '/api'));
    expect(found.flatMap((r) => gaps(doc, r))).toEqual(['get /api/hidden/{id}: not in the document']);
  });
});
