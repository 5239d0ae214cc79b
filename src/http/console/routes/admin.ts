// Console pages for the rota, the office calendar, users and reports. Reading the
// rota and the calendar is for everyone; overrides on the rota are for supervisors;
// changing the rest, and users, is for admins;
// reports are for supervisors and admins. Each change goes through the same
// function the API uses, so both validate and audit alike.
import { Router, type Request, type Response } from 'express';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { listEngineers } from '../../../store/engineers.ts';
import type { Db } from '../../../store/db.ts';
import { addLineNumber, listLineNumbers, removeLineNumber, setLineNumberProfile, type LineNumber } from '../../../store/line-numbers.ts';
import { changeLineNumber } from '../../api/line-numbers.ts';
import { ConflictError, ValidationError } from '../../../store/errors.ts';
import { responseTimeHistogram } from '../../../store/console-views.ts';
import { slaReport } from '../../../store/reports.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { listUsers } from '../../../store/users.ts';
import { ADMINS, EVERYONE, requireRole, SUPERVISORS } from '../../auth/guards.ts';
import { addClosureAs, closuresView, newClosureBody, removeClosureAs } from '../../api/closures.ts';
import { idParam, localDate } from '../../api/inputs.ts';
import { monthWindow, slaReportCsv } from '../../api/reports.ts';
import { issuesText } from '../../api/route-table.ts';
import { addOverrideAs, addShiftAs, newShiftBody, OVERRIDE_FIELDS, overrideBody, removeOverrideAs, removeShiftAs, rotaView } from '../../api/rota.ts';
import { addUserAs, newUserBody, resetPasswordAs, updateUserAs, userFormBody } from '../../api/users.ts';
import { HttpError, notFound } from '../../errors.ts';
import type { ConsoleDeps } from '../deps.ts';
import { localDate as localDateOf, ZONE } from '../format.ts';
import { toDocument, type Html } from '../html.ts';
import { closuresPage } from '../pages/closures.ts';
import { incidentsPage, type AnnouncementForm } from '../pages/incidents.ts';
import { postAnnouncement, withdraw } from '../../../announcements/post.ts';
import { soundTargetOf } from '../../../announcements/render.ts';
import { listAnnouncements } from '../../../store/announcements.ts';
import { listIncidents, openIncident, resolveIncident } from '../../../tickets/incidents.ts';
import { newAnnouncementBody } from '../../api/announcements.ts';
import { ticketDepsOf } from '../../api/ownership.ts';
import { reportsPage } from '../pages/reports.ts';
import { trendsPage } from '../pages/trends.ts';
import { creditsPage } from '../pages/credits.ts';
import { creditRuleBody, creditsCsv, monthOrCurrent, ukMonth } from '../../api/credits.ts';
import { CREDIT_RULE_TIERS, creditStatements, listCreditRules, setCreditRule } from '../../../store/credits.ts';
import { actorOf } from '../../auth/session.ts';
import { lastMonthOf, monthParam, trendsCsv } from '../../api/trends.ts';
import { monthlyTrends } from '../../../store/trends.ts';
import { rotaPage, type OverrideFormState } from '../pages/rota.ts';
import { usersPage } from '../pages/users.ts';
import { rawQuery } from './calls.ts';

const FLASH: Record<string, string> = {
  'shift-added': 'Shift added.',
  'shift-removed': 'Shift removed.',
  'override-added': 'Override added: the timeline shows the cover as the escalation will ring it.',
  'override-removed': 'Override removed.',
  'closure-added': 'Closure added. Open tickets’ office-hours due times have been recomputed.',
  'closure-removed': 'Closure removed. Open tickets’ office-hours due times have been recomputed.',
  'number-added': 'Number added: calls to it start as its profile says.',
  'number-changed': 'Profile changed: calls to the number from now on start as it says.',
  'number-removed': 'Number removed: calls to it are handled as the main number.',
  'user-saved': 'User saved.',
  'announcement-posted': 'Announcement posted: callers hear it from its start.',
  'announcement-withdrawn': 'Announcement withdrawn.',
  'incident-opened': 'Incident opened: post an announcement so callers can join it.',
  'incident-resolved': 'Incident resolved with every ticket joined to it.',
};

type Flash = { kind: 'ok' | 'error'; text: string } | null;

function flashOf(query: unknown): Flash {
  const key = (query as Record<string, unknown>)?.done;
  const text = typeof key === 'string' ? FLASH[key] : undefined;
  return text ? { kind: 'ok', text } : null;
}

function send(res: Response, page: Html, status = 200): void {
  res.status(status).type('html').send(toDocument(page));
}

/** A store refusal (a bad window, a clash) as a message on the page, not an error page. */
function refusal(err: unknown): string | null {
  return err instanceof ValidationError || err instanceof ConflictError ? err.message : null;
}

const rotaQuery = z.object({ from: localDate.optional() });
const closuresQuery = z.object({ year: z.string().regex(/^\d{4}$/).transform(Number).pipe(z.number().int().min(2000).max(2100)).optional() });
const reportQuery = z.object({ month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month, YYYY-MM').optional() });

export function adminPages(deps: ConsoleDeps): Router {
  const router = Router();

  // --- rota -------------------------------------------------------------------
  async function showRota(res: Response, auth: SessionUser, fromDate: string | undefined, flash: Flash, status = 200, override: OverrideFormState | null = null) {
    const v = await rotaView(deps, fromDate ? { fromDate } : {});
    send(res, rotaPage(auth, v, { now: deps.now(), flash, override }), status);
  }

  /** The override form sent back with what was typed and each field's problem. */
  function refusedOverride(res: Response, auth: SessionUser, body: unknown, errors: Record<string, string>, text: string) {
    const b = (body ?? {}) as Record<string, unknown>;
    const values: OverrideFormState['values'] = {};
    for (const k of ['engineerId', 'level', 'from', 'to', 'note'] as const) if (typeof b[k] === 'string') values[k] = b[k];
    return showRota(res, auth, undefined, { kind: 'error', text: `The override was not added. ${text}.` }, 422, { values, errors });
  }

  router.post('/rota/overrides', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const parsed = overrideBody.safeParse(req.body ?? {});
    if (!parsed.success) {
      const errors: Record<string, string> = {};
      for (const i of parsed.error.issues) errors[String(i.path[0] ?? 'input')] ??= i.message;
      return refusedOverride(res, auth, req.body, errors, Object.entries(errors).map(([f, m]) => `${OVERRIDE_FIELDS[f] ?? f}: ${m}`).join('; '));
    }
    try {
      await addOverrideAs(deps, auth, parsed.data);
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return refusedOverride(res, auth, req.body, { [err.field ?? 'input']: err.message }, err.message);
    }
    res.redirect(303, '/console/rota?done=override-added');
  });

  router.post('/rota/overrides/:id/remove', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such override');
    await removeOverrideAs(deps, auth, id.data);
    res.redirect(303, '/console/rota?done=override-removed');
  });

  router.get('/rota', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const q = rotaQuery.safeParse(rawQuery(req.query));
    await showRota(res, auth, q.success ? q.data.from : undefined, q.success ? flashOf(req.query) : { kind: 'error', text: `That week cannot be shown: ${issuesText(q.error)}` }, q.success ? 200 : 400);
  });

  router.post('/rota/shifts', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const parsed = newShiftBody.safeParse(req.body ?? {});
    if (!parsed.success) return showRota(res, auth, undefined, { kind: 'error', text: `The shift was not added: ${issuesText(parsed.error)}` }, 422);
    try {
      await addShiftAs(deps, auth, parsed.data);
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return showRota(res, auth, undefined, { kind: 'error', text: `The shift was not added: ${message}` }, 422);
    }
    res.redirect(303, '/console/rota?done=shift-added');
  });

  router.post('/rota/shifts/:id/remove', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such shift');
    await removeShiftAs(deps, auth, id.data);
    res.redirect(303, '/console/rota?done=shift-removed');
  });

  // --- incidents and announcements (supervisors) ------------------------------------
  const incidentsView = async () => ({ announcements: await listAnnouncements(deps.db, { live: deps.now() }), incidents: await listIncidents(deps.db), now: deps.now() });
  const incidentsFail = async (res: Response, auth: SessionUser, text: string, form?: AnnouncementForm) =>
    send(res, incidentsPage(auth, await incidentsView(), { flash: { kind: 'error', text }, ...(form ? { form } : {}) }), 422);

  router.get('/incidents', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    send(res, incidentsPage(auth, await incidentsView(), { flash: flashOf(req.query) }));
  });

  router.post('/announcements', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const form = Object.fromEntries(['kind', 'message', 'startsAt', 'endsAt', 'accounts', 'service', 'dialledNumber', 'incidentId'].map((k) => [k, field(req, k).trim()])) as AnnouncementForm;
    const parsed = newAnnouncementBody.safeParse({
      ...Object.fromEntries(Object.entries(form).filter(([, v]) => v !== '')),
      ...(form.accounts ? { accounts: form.accounts.split(',').map((n) => n.trim()).filter(Boolean) } : {}),
    });
    if (!parsed.success) return incidentsFail(res, auth, `The announcement was not posted: ${issuesText(parsed.error)}`, form);
    try {
      await postAnnouncement({ db: deps.db, sounds: soundTargetOf(deps.config), warn: (d, m) => deps.logger.warn(d, m) }, { ...parsed.data, actor: actorOf(auth), at: deps.now() });
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return incidentsFail(res, auth, `The announcement was not posted: ${message}`, form);
    }
    res.redirect(303, '/console/incidents?done=announcement-posted');
  });

  router.post('/announcements/:id/withdraw', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such announcement');
    await withdraw({ db: deps.db }, { id: id.data, actor: actorOf(auth), at: deps.now() });
    res.redirect(303, '/console/incidents?done=announcement-withdrawn');
  });

  router.post('/incidents', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    try {
      await openIncident(ticketDepsOf(deps), { title: field(req, 'title'), actor: actorOf(auth), channel: 'console', at: deps.now() });
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return incidentsFail(res, auth, `The incident was not opened: ${message}`);
    }
    res.redirect(303, '/console/incidents?done=incident-opened');
  });

  router.post('/incidents/:id/resolve', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such incident');
    try {
      await resolveIncident(ticketDepsOf(deps), { incidentId: id.data, actor: actorOf(auth), at: deps.now(), text: field(req, 'text') === 'on' });
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return incidentsFail(res, auth, `The incident was not resolved: ${message}`);
    }
    res.redirect(303, '/console/incidents?done=incident-resolved');
  });

  // --- closures ---------------------------------------------------------------
  const thisYear = () => DateTime.fromJSDate(deps.now(), { zone: ZONE }).year;

  router.get('/closures', async (req, res) => {
    const auth = requireRole(req, EVERYONE);
    const q = closuresQuery.safeParse(rawQuery(req.query));
    const year = (q.success ? q.data.year : undefined) ?? thisYear();
    send(res, closuresPage(auth, await closuresView(deps, year), { now: deps.now(), numbers: await listLineNumbers(deps.db), flash: q.success ? flashOf(req.query) : { kind: 'error', text: 'That year cannot be shown.' } }), q.success ? 200 : 400);
  });

  router.post('/closures', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const form = { from: String(body.from ?? ''), to: String(body.to ?? ''), reason: String(body.reason ?? '') };
    const fail = async (text: string) =>
      send(res, closuresPage(auth, await closuresView(deps, thisYear()), { now: deps.now(), numbers: await listLineNumbers(deps.db), flash: { kind: 'error', text: `The closure was not added: ${text}` }, form }), 422);
    const parsed = newClosureBody.safeParse(body);
    if (!parsed.success) return fail(issuesText(parsed.error));
    let year: number;
    try {
      const { closure } = await addClosureAs(deps, auth, parsed.data);
      year = DateTime.fromJSDate(closure.from, { zone: ZONE }).year;
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return fail(message);
    }
    res.redirect(303, `/console/closures?year=${year}&done=closure-added`);
  });

  router.post('/closures/:id/remove', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such closure');
    await removeClosureAs(deps, auth, id.data);
    res.redirect(303, '/console/closures?done=closure-removed');
  });

  // --- the line's numbers (on the closures page) ---------------------------------
  /** Bad input changes nothing and is said on the page; the change and its audit are one transaction. */
  async function numberChange(req: Request, res: Response, action: string, apply: (db: Db) => Promise<LineNumber>, done: string) {
    const auth = requireRole(req, ADMINS);
    try {
      await changeLineNumber(deps, auth, action, apply);
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      const numbers = await listLineNumbers(deps.db);
      return send(res, closuresPage(auth, await closuresView(deps, thisYear()), { now: deps.now(), numbers, flash: { kind: 'error', text: `The number was not changed: ${message}` } }), 422);
    }
    res.redirect(303, `/console/closures?done=${done}#numbers`);
  }
  const field = (req: Request, name: string) => String(((req.body ?? {}) as Record<string, unknown>)[name] ?? '');

  router.post('/numbers', (req, res) =>
    numberChange(req, res, 'line-number.added', (db) => addLineNumber(db, { number: field(req, 'number'), profile: field(req, 'profile'), label: field(req, 'label') }), 'number-added'));
  router.post('/numbers/:number/profile', (req, res) =>
    numberChange(req, res, 'line-number.profile-set', (db) => setLineNumberProfile(db, String(req.params.number), field(req, 'profile')), 'number-changed'));
  router.post('/numbers/:number/remove', (req, res) =>
    numberChange(req, res, 'line-number.removed', (db) => removeLineNumber(db, String(req.params.number)), 'number-removed'));

  // --- users ------------------------------------------------------------------
  async function showUsers(res: Response, auth: SessionUser, flash: Flash, issued: { email: string; password: string } | null = null, status = 200) {
    const [users, engineers] = await Promise.all([listUsers(deps.db), listEngineers(deps.db)]);
    send(res, usersPage(auth, { users, engineers, flash, issued }), status);
  }

  router.get('/users', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    await showUsers(res, auth, flashOf(req.query));
  });

  router.post('/users', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    for (const k of ['name', 'engineerId']) if (body[k] === '') delete body[k];
    const parsed = newUserBody.safeParse(body);
    if (!parsed.success) return showUsers(res, auth, { kind: 'error', text: `The user was not added: ${issuesText(parsed.error)}` }, null, 422);
    try {
      const { user, password } = await addUserAs(deps, auth, parsed.data);
      // Shown in this answer only: the password is never put in a URL or stored in clear.
      return showUsers(res, auth, { kind: 'ok', text: `Added ${user.email}.` }, { email: user.email, password }, 201);
    } catch (err) {
      const message = refusal(err);
      if (!message) throw err;
      return showUsers(res, auth, { kind: 'error', text: `The user was not added: ${message}` }, null, err instanceof ConflictError ? 409 : 422);
    }
  });

  router.post('/users/:id', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such user');
    const parsed = userFormBody.safeParse(req.body ?? {});
    if (!parsed.success) return showUsers(res, auth, { kind: 'error', text: `Not saved: ${issuesText(parsed.error)}` }, null, 422);
    try {
      await updateUserAs(deps, auth, id.data, {
        role: parsed.data.role,
        engineerId: parsed.data.engineerId ? parsed.data.engineerId : null,
        disabled: parsed.data.disabled,
      });
    } catch (err) {
      const message = err instanceof HttpError && err.status === 409 ? err.message : refusal(err);
      if (!message) throw err;
      return showUsers(res, auth, { kind: 'error', text: `Not saved: ${message}` }, null, 409);
    }
    res.redirect(303, '/console/users?done=user-saved');
  });

  router.post('/users/:id/reset-password', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const id = idParam.safeParse(req.params.id);
    if (!id.success) throw notFound('no such user');
    const users = await listUsers(deps.db);
    const user = users.find((u) => u.id === id.data);
    if (!user) throw notFound('no such user');
    const password = await resetPasswordAs(deps, auth, user.id);
    await showUsers(res, auth, { kind: 'ok', text: `New one-time password for ${user.email}; their sessions have ended.` }, { email: user.email, password });
  });

  // --- reports ----------------------------------------------------------------
  function monthOf(req: { query: unknown }): { month: string; error: string | null } {
    const q = reportQuery.safeParse(rawQuery(req.query));
    const current = localDateOf(deps.now()).slice(0, 7);
    if (!q.success) return { month: current, error: `That month cannot be shown: ${issuesText(q.error)}` };
    return { month: q.data.month ?? current, error: null };
  }

  router.get('/reports', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const { month, error } = monthOf(req);
    const w = monthWindow(month);
    const [rows, histogram] = error ? [[], []] : await Promise.all([slaReport(deps.db, w), responseTimeHistogram(deps.db, w)]);
    send(res, reportsPage(auth, { month, rows, histogram, error }), error ? 400 : 200);
  });

  router.get('/reports/trends', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const raw = typeof req.query['to'] === 'string' && req.query['to'] !== '' ? req.query['to'] : undefined;
    const to = raw === undefined ? { success: true as const, data: undefined } : monthParam.safeParse(raw);
    const last = lastMonthOf(deps, to.success ? to.data : undefined);
    const error = to.success ? null : `That month cannot be shown: ${issuesText(to.error)}`;
    send(res, trendsPage(auth, { to: last, months: await monthlyTrends(deps.db, last), error }), error ? 400 : 200);
  });

  router.get('/reports/trends.csv', async (req, res) => {
    requireRole(req, SUPERVISORS);
    const raw = typeof req.query['to'] === 'string' && req.query['to'] !== '' ? req.query['to'] : undefined;
    const to = raw === undefined ? undefined : monthParam.safeParse(raw);
    if (to && !to.success) throw new HttpError(400, 'bad_request', issuesText(to.error));
    const last = lastMonthOf(deps, to?.data);
    res.type('text/csv; charset=utf-8').attachment(`trends-to-${last}.csv`).send(trendsCsv(await monthlyTrends(deps.db, last)));
  });

  async function creditsView(auth: SessionUser, raw: unknown, flash: string | null = null, status = 200, error: string | null = null) {
    const parsed = typeof raw === 'string' && raw !== '' ? monthParam.safeParse(raw) : null;
    const bad = parsed && !parsed.success ? `That month cannot be shown: ${issuesText(parsed.error)}` : null;
    const month = monthOrCurrent(deps, parsed?.success ? parsed.data : undefined);
    const [statements, rules] = await Promise.all([creditStatements(deps.db, ukMonth(month)), listCreditRules(deps.db)]);
    return { page: creditsPage(auth, { month, statements, rules, tiers: CREDIT_RULE_TIERS, error: error ?? bad, flash }), status: bad ? 400 : status };
  }

  router.get('/reports/credits', async (req, res) => {
    const auth = requireRole(req, SUPERVISORS);
    const v = await creditsView(auth, req.query['month'], req.query['done'] === 'rule' ? 'Rule saved' : null);
    send(res, v.page, v.status);
  });

  router.get('/reports/credits.csv', async (req, res) => {
    requireRole(req, SUPERVISORS);
    const raw = req.query['month'];
    const parsed = typeof raw === 'string' && raw !== '' ? monthParam.safeParse(raw) : null;
    if (parsed && !parsed.success) throw new HttpError(400, 'bad_request', issuesText(parsed.error));
    const month = monthOrCurrent(deps, parsed?.data);
    res.type('text/csv; charset=utf-8').attachment(`service-credits-${month}.csv`).send(creditsCsv(month, await creditStatements(deps.db, ukMonth(month))));
  });

  router.post('/reports/credit-rules', async (req, res) => {
    const auth = requireRole(req, ADMINS);
    const form = (req.body ?? {}) as Record<string, unknown>;
    const tier = CREDIT_RULE_TIERS.find((t) => t === form['tier']);
    const value = form['basis'] === 'fixed' ? { amountPence: form['value'] } : { percent: form['value'] };
    const body = creditRuleBody.safeParse({
      basis: form['basis'],
      ...value,
      ...(form['monthlyCapPercent'] ? { monthlyCapPercent: form['monthlyCapPercent'] } : {}),
    });
    if (!tier || !body.success) {
      const v = await creditsView(auth, undefined, null, 422, `The rule was not saved: ${tier ? issuesText(body.error!) : 'choose Cat1, Cat2 or Cat4'}`);
      send(res, v.page, 422);
      return;
    }
    await setCreditRule(
      deps.db,
      { tier, basis: body.data.basis, percent: body.data.percent ?? null, amountPence: body.data.amountPence ?? null, monthlyCapPercent: body.data.monthlyCapPercent ?? null },
      actorOf(auth),
      deps.now(),
    );
    res.redirect(303, '/console/reports/credits?done=rule');
  });

  router.get('/reports.csv', async (req, res) => {
    requireRole(req, SUPERVISORS);
    const { month, error } = monthOf(req);
    if (error) throw new HttpError(400, 'bad_request', error);
    res.type('text/csv; charset=utf-8').attachment(`sla-${month}.csv`).send(slaReportCsv(await slaReport(deps.db, monthWindow(month))));
  });

  return router;
}
