// Rota: the on-call schedule as a two-week timeline of levels (and, folded, the
// same as a table of days), the escalation order now and next, a warning for every
// gap in Cat4 cover in the next 14 days, the override form for supervisors (filled
// by dragging across the timeline when the script runs), and for admins the
// ordinary shifts.
import { ROTA_LEVELS } from '../../../domain/escalation.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import type { RotaView } from '../../api/rota.ts';
import { GAP_HORIZON_DAYS } from '../../api/rota.ts';
import { DateTime } from 'luxon';
import { dateTime, day, localDate, localInputValue, startOfLocalDay, word, ZONE } from '../format.ts';
import { html, type Html } from '../html.ts';
import { LEVEL_LABEL, rotaTimeline, ukLong } from '../rota-timeline-view.ts';
import { csrfField, page } from '../layout.ts';

const HM = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', minute: '2-digit' });

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

function span(from: Date, to: Date, dayStart: Date, dayEnd: Date): string {
  const a = from > dayStart ? HM.format(from) : null;
  const b = to < dayEnd ? HM.format(to) : null;
  if (a && b) return `${a}–${b}`;
  if (a) return `from ${a}`;
  if (b) return `until ${b}`;
  return 'all day';
}

function calendar(v: RotaView): Html {
  const first = localDate(v.from);
  const days = Array.from({ length: v.days }, (_, i) => addDays(first, i));
  return html`<div class="table-wrap"><table class="responsive rota">
  <caption class="visually-hidden">On-call shifts by day and level</caption>
  <thead><tr><th scope="col">Day</th>${ROTA_LEVELS.map((l) => html`<th scope="col">${word(l)}</th>`)}</tr></thead>
  <tbody>${days.map((date) => {
    const dayStart = startOfLocalDay(date);
    const dayEnd = startOfLocalDay(addDays(date, 1));
    const gaps = v.gaps.filter((g) => g.to > dayStart && g.from < dayEnd);
    return html`<tr${gaps.length ? html` class="has-gap"` : ''}>
    <th scope="row" data-label="Day">${day(dayStart)}</th>
    ${ROTA_LEVELS.map((level) => {
      const shifts = v.shifts.filter((s) => s.level === level && s.endsAt > dayStart && s.startsAt < dayEnd);
      return html`<td data-label="${word(level)}">${shifts.map(
        (s) => html`<div class="shift${s.isOverride ? ' override' : ''}${s.engineerActive ? '' : ' inactive'}">
          <strong>${s.engineerName}</strong> <span class="muted">${span(s.startsAt, s.endsAt, dayStart, dayEnd)}</span>
          ${s.isOverride ? html`<span class="badge badge-override">override</span>` : ''}
          ${s.engineerActive ? '' : html`<span class="badge badge-breached">inactive</span>`}
        </div>`,
      )}${
        level === 'primary'
          ? gaps.map((g) => html`<div class="gap" role="note">No primary ${span(g.from, g.to, dayStart, dayEnd)}</div>`)
          : shifts.length === 0
            ? html`<span class="muted">—</span>`
            : ''
      }</td>`;
    })}
  </tr>`;
  })}</tbody></table></div>`;
}

/** What the override form shows: the values sent back after a refusal, and each field's problem. */
export interface OverrideFormState {
  values: Partial<Record<'engineerId' | 'level' | 'from' | 'to' | 'note', string>>;
  errors: Partial<Record<string, string>>;
}

function overrideForm(auth: SessionUser, v: RotaView, now: Date, state: OverrideFormState | null): Html {
  const active = v.engineers.filter((e) => e.active);
  const start = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
  const val = state?.values ?? {};
  const err = state?.errors ?? {};
  const field = (name: keyof OverrideFormState['values'], label: string, control: Html) => html`<div class="field${name === 'from' || name === 'to' ? ' when' : name === 'note' ? ' wide' : ''}">
    <label for="o-${name}">${label}</label>${control}
    ${err[name] ? html`<p class="field-error" id="o-${name}-error">${err[name]}</p>` : ''}</div>`;
  const invalid = (name: string) => (err[name] ? html` aria-invalid="true" aria-describedby="o-${name}-error"` : '');
  // A browser shows a datetime field in its own locale's order; the line below says the UK date, whatever the browser.
  const when = (name: 'from' | 'to', label: string, value: string) =>
    field(name, label, html`<input id="o-${name}" name="${name}" type="datetime-local" required value="${value}"${invalid(name)}>
      <output class="uk-date small muted" for="o-${name}" id="o-${name}-uk">${ukInputText(value)}</output>`);
  return html`<section class="card" aria-labelledby="override-heading" id="override">
  <h2 id="override-heading">Add an override</h2>
  <p class="muted small">The engineer takes the role from the start to the end, in place of whoever the rota says; UK time. <span class="js-only">Or drag across a lane of the timeline to fill in the role and times.</span></p>
  <form method="post" action="/console/rota/overrides" class="filters" id="override-form" novalidate>
    ${csrfField(auth)}
    ${field('engineerId', 'Engineer', html`<select id="o-engineerId" name="engineerId" required${invalid('engineerId')}>
      <option value="">Choose…</option>${active.map((e) => html`<option value="${e.id}"${val.engineerId === e.id ? ' selected' : ''}>${e.name}</option>`)}</select>`)}
    ${field('level', 'Role', html`<select id="o-level" name="level"${invalid('level')}>${ROTA_LEVELS.map((l) => html`<option value="${l}"${val.level === l ? ' selected' : ''}>${LEVEL_LABEL[l]}</option>`)}</select>`)}
    ${when('from', 'Start (UK time)', val.from ?? localInputValue(start))}
    ${when('to', 'End (UK time)', val.to ?? localInputValue(new Date(start.getTime() + 12 * 3_600_000)))}
    ${field('note', 'Note', html`<input id="o-note" name="note" maxlength="200" value="${val.note ?? ''}"${invalid('note')}>`)}
    <div class="field actions"><button type="submit" class="primary">Add override</button></div>
    <p id="override-filled" class="visually-hidden" aria-live="polite"></p>
  </form>
  ${overrideList(auth, v)}
</section>`;
}

/** "Wed 25/11/2026, 18:00" for a datetime-local value, or nothing when it is not one. */
function ukInputText(value: string): string {
  const d = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? DateTime.fromISO(value, { zone: ZONE }) : null;
  return d?.isValid ? ukLong(d.toJSDate()) : '';
}

function overrideList(auth: SessionUser, v: RotaView): Html {
  const overrides = v.shifts.filter((s) => s.isOverride);
  if (!overrides.length) return html`<p class="empty">No overrides in these days.</p>`;
  return html`<h3>Overrides in these days</h3><ul class="overrides">${overrides.map(
    (s) => html`<li><strong>${s.engineerName}</strong> ${LEVEL_LABEL[s.level].toLowerCase()}, ${ukLong(s.startsAt)} to ${ukLong(s.endsAt)}${s.note ? html` <span class="muted">(${s.note})</span>` : ''}
      <form method="post" action="/console/rota/overrides/${s.id}/remove" class="inline">${csrfField(auth)}
        <button type="submit" class="danger" aria-label="Remove ${s.engineerName}’s override from ${ukLong(s.startsAt)}">Remove</button></form></li>`,
  )}</ul>`;
}

function order(v: RotaView): Html {
  const list = (levels: RotaView['now']) =>
    html`<ol class="escalation">${levels.map(
      (l) => html`<li><div><span class="level">${word(l.level)}</span>${l.engineers.length ? l.engineers.map((e, i) => html`${i ? ', ' : ''}<strong>${e.name}</strong>`) : html`<strong class="warn-text">nobody</strong>`}</div></li>`,
    )}</ol>`;
  return html`<section class="card" aria-labelledby="order-heading">
  <h2 id="order-heading">Escalation order now</h2>
  <p class="muted small">A critical call is offered to each in turn.</p>
  ${list(v.now)}
  ${v.next ? html`<h3>From ${dateTime(v.next.at)}</h3>${list(v.next.levels)}` : ''}
</section>`;
}

function adminForms(auth: SessionUser, v: RotaView, now: Date): Html {
  const active = v.engineers.filter((e) => e.active);
  const start = new Date(Math.ceil(now.getTime() / 3_600_000) * 3_600_000);
  return html`<section class="card" aria-labelledby="add-heading">
  <h2 id="add-heading">Add a shift or override</h2>
  <form method="post" action="/console/rota/shifts" class="filters">
    ${csrfField(auth)}
    <div class="field"><label for="s-engineer">Engineer</label>
      <select id="s-engineer" name="engineerId" required>${active.map((e) => html`<option value="${e.id}">${e.name}</option>`)}</select></div>
    <div class="field"><label for="s-level">Level</label>
      <select id="s-level" name="level">${ROTA_LEVELS.map((l) => html`<option value="${l}">${word(l)}</option>`)}</select></div>
    <div class="field when"><label for="s-from">From (UK time)</label><input id="s-from" name="from" type="datetime-local" required value="${localInputValue(start)}"></div>
    <div class="field when"><label for="s-to">To (UK time)</label><input id="s-to" name="to" type="datetime-local" required value="${localInputValue(new Date(start.getTime() + 86_400_000))}"></div>
    <div class="field check"><input id="s-override" name="isOverride" type="checkbox"><label for="s-override">Override (replaces the regular shift while it runs)</label></div>
    <div class="field wide"><label for="s-note">Note</label><input id="s-note" name="note" maxlength="200"></div>
    <div class="field actions"><button type="submit" class="primary">Add shift</button></div>
  </form>
</section>
<section class="card" aria-labelledby="shifts-heading">
  <h2 id="shifts-heading">Shifts in these days</h2>
  <div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Engineer</th><th scope="col">Level</th><th scope="col">From</th><th scope="col">To</th><th scope="col">Note</th><th scope="col"><span class="visually-hidden">Remove</span></th></tr></thead>
    <tbody>${v.shifts.map(
      (s) => html`<tr>
      <td data-label="Engineer">${s.engineerName}${s.isOverride ? html` <span class="badge badge-override">override</span>` : ''}</td>
      <td data-label="Level">${word(s.level)}</td>
      <td data-label="From">${dateTime(s.startsAt)}</td>
      <td data-label="To">${dateTime(s.endsAt)}</td>
      <td data-label="Note">${s.note ?? ''}</td>
      <td><form method="post" action="/console/rota/shifts/${s.id}/remove" class="inline">${csrfField(auth)}
        <button type="submit" class="danger" aria-label="Remove ${s.engineerName}’s ${word(s.level).toLowerCase()} shift from ${dateTime(s.startsAt)}">Remove</button></form></td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`;
}

export function rotaPage(
  auth: SessionUser,
  v: RotaView,
  opts: { now: Date; flash?: { kind: 'ok' | 'error'; text: string } | null; override?: OverrideFormState | null },
): Html {
  const first = localDate(v.from);
  const supervises = auth.user.role !== 'engineer';
  return page({
    title: 'Rota',
    active: 'rota',
    auth,
    flash: opts.flash ?? null,
    scripts: supervises ? ['rota.js'] : [],
    body: html`<h1>Rota</h1>
${
  v.gaps.length
    ? html`<div class="flash flash-error" role="alert"><strong>Gaps in Cat4 cover in the next ${GAP_HORIZON_DAYS} days:</strong>
  nobody is primary on call ${v.gaps.map((g, i) => html`${i ? '; ' : ''}from ${ukLong(g.from)} to ${ukLong(g.to)}`)}.
  A critical call then goes straight to the secondary or the manager.</div>`
    : html`<p class="flash flash-ok" role="status">Cat4 cover is complete for the next ${GAP_HORIZON_DAYS} days: a primary is on call throughout.</p>`
}
<section class="card" aria-labelledby="timeline-heading">
  <h2 id="timeline-heading">Two weeks of cover</h2>
  <nav class="pager" aria-label="Weeks">
    <a href="/console/rota?from=${addDays(first, -7)}">← Earlier week</a>
    <a href="/console/rota">Today</a>
    <a href="/console/rota?from=${addDays(first, 7)}">Later week →</a>
  </nav>
  ${rotaTimeline(v)}
  <p class="legend small"><span class="key key-shift"></span> on the rota <span class="key key-override"></span> override <span class="key key-gap"></span> no primary: a Cat4 critical call goes straight to the secondary</p>
  <details><summary>The same as a table of days</summary>${calendar(v)}</details>
</section>
${supervises ? overrideForm(auth, v, opts.now, opts.override ?? null) : ''}
${order(v)}
${auth.user.role === 'admin' ? adminForms(auth, v, opts.now) : ''}`,
  });
}
