// Console pages for Now, the call log and one call.
import { Router } from 'express';
import { listAccounts } from '../../../store/accounts.ts';
import { getCall } from '../../../store/calls.ts';
import { EVERYONE, requireRole } from '../../auth/guards.ts';
import { listCalls, loadCallDetail, requireCallVisible, streamCallsCsv } from '../../api/calls.ts';
import { callFilterQuery, callPageQuery, uuidParam } from '../../api/inputs.ts';
import { nowView } from '../../api/now.ts';
import { runSearch, searchQuery } from '../../api/search.ts';
import { issuesText } from '../../api/route-table.ts';
import { HttpError, notFound } from '../../errors.ts';
import type { ConsoleDeps } from '../deps.ts';
import type { EventHub } from '../events.ts';
import { toDocument } from '../html.ts';
import { callDetailPage } from '../pages/call-detail.ts';
import { callsPage, type RawFilters } from '../pages/calls.ts';
import { nowPage } from '../pages/now.ts';
import { searchPage } from '../pages/search.ts';
import { proxyRecording, recordingSource } from '../recordings.ts';

/** Query values as typed (single strings only), for echoing into the form. */
export function rawQuery(query: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (query && typeof query === 'object') {
    for (const [k, v] of Object.entries(query)) out[k] = typeof v === 'string' ? v : Array.isArray(v) ? v.map(String).join(',') : '';
  }
  return out;
}

function withoutEmpty(raw: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== ''));
}

export function callPages(deps: ConsoleDeps, hub: EventHub): Router {
  const router = Router();

  router.get('/now', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    res.type('html').send(toDocument(nowPage(auth, await nowView(deps, auth))));
  });

  router.get('/search', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const raw = typeof req.query['q'] === 'string' ? req.query['q'] : '';
    const q = searchQuery.safeParse(raw);
    if (!q.success) {
      res.status(400).type('html').send(toDocument(searchPage(auth, '', null, `Search: ${q.error.issues[0]?.message ?? 'not a search'}`)));
      return;
    }
    const text = q.data.trim();
    res.type('html').send(toDocument(searchPage(auth, text, text ? await runSearch(deps, auth, text) : null)));
  });

  router.get('/events', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    await hub.connect(req, res, auth);
  });

  router.get('/calls', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const raw = rawQuery(req.query);
    const accounts = auth.user.role === 'engineer' ? [] : await listAccounts(deps.db);
    const parsed = callPageQuery.safeParse(withoutEmpty(raw));
    if (!parsed.success) {
      res.status(400).type('html').send(toDocument(callsPage(auth, { raw: raw as RawFilters, accounts, page: null, error: issuesText(parsed.error) })));
      return;
    }
    const page = await listCalls(deps, auth, parsed.data);
    res.type('html').send(toDocument(callsPage(auth, { raw: raw as RawFilters, accounts, page, error: null })));
  });

  router.get('/calls.csv', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const parsed = callFilterQuery.safeParse(withoutEmpty(rawQuery(req.query)));
    if (!parsed.success) throw new HttpError(400, 'bad_request', issuesText(parsed.error));
    await streamCallsCsv(deps, auth, parsed.data, req, res);
  });

  router.get('/calls/:id', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const id = uuidParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such call');
    const detail = await loadCallDetail(deps, auth, id.data);
    res.type('html').send(toDocument(callDetailPage(auth, detail, deps.now())));
  });

  router.get('/calls/:id/recording', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const id = uuidParam.safeParse(req.params.id);
    const call = id.success ? await getCall(deps.db, id.data) : null;
    if (!call) throw notFound('no such call');
    await requireCallVisible(deps, auth, call.id);
    await proxyRecording(recordingSource(deps.config, call), req, res);
  });

  return router;
}
