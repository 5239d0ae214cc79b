// Rota: the on-call schedule as a calendar of days by level, the escalation order
// now and next, a warning for every gap in Cat4 cover in the next 14 days, and (for
// admins) adding and removing shifts and overrides.
import { ROTA_LEVELS } from '../../../domain/escalation.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import type { RotaView } from '../../api/rota.ts';
import { GAP_HORIZON_DAYS } from '../../api/rota.ts';
import { dateTime, day, localDate, localInputValue, startOfLocalDay, word } from '../format.ts';
import { html, type Html } from '../html.ts';
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

export function rotaPage(auth: SessionUser, v: RotaView, opts: { now: Date; flash?: { kind: 'ok' | 'error'; text: string } | null }): Html {
  const first = localDate(v.from);
  return page({
    title: 'Rota',
    active: 'rota',
    auth,
    flash: opts.flash ?? null,
    body: html`<h1>Rota</h1>
${
  v.gaps.length
    ? html`<div class="flash flash-error" role="alert"><strong>Gaps in Cat4 cover in the next ${GAP_HORIZON_DAYS} days:</strong>
  nobody is primary on call ${v.gaps.map((g, i) => html`${i ? '; ' : ''}from ${dateTime(g.from)} to ${dateTime(g.to)}`)}.
  A critical call then goes straight to the secondary or the manager.</div>`
    : html`<p class="flash flash-ok" role="status">Cat4 cover is complete for the next ${GAP_HORIZON_DAYS} days: a primary is on call throughout.</p>`
}
<div class="grid">
  ${order(v)}
  <div class="span-2 first">
    <nav class="pager" aria-label="Weeks">
      <a href="/console/rota?from=${addDays(first, -7)}">← Earlier week</a>
      <a href="/console/rota">Today</a>
      <a href="/console/rota?from=${addDays(first, 7)}">Later week →</a>
    </nav>
    ${calendar(v)}
  </div>
</div>
${auth.user.role === 'admin' ? adminForms(auth, v, opts.now) : ''}`,
  });
}
