// Closures: the office calendar — whether the office is open now, the year's bank
// holidays, and the closures, which admins add and remove (open tickets' office
// timers recompute).
import type { SessionUser } from '../../../store/sessions.ts';
import type { ClosuresView } from '../../api/closures.ts';
import { dateTime, dateTimeYear, day, divisionName, localInputValue, startOfLocalDay } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

export function closuresPage(
  auth: SessionUser,
  v: ClosuresView,
  opts: { now: Date; flash?: { kind: 'ok' | 'error'; text: string } | null; form?: { from?: string; to?: string; reason?: string } },
): Html {
  const admin = auth.user.role === 'admin';
  const future = v.closures.filter((c) => c.to > opts.now);
  const past = v.closures.filter((c) => c.to <= opts.now);
  const row = (c: ClosuresView['closures'][number]) => html`<tr>
    <td data-label="Reason"><strong>${c.reason}</strong></td>
    <td data-label="From">${dateTimeYear(c.from)}</td>
    <td data-label="Until">${dateTimeYear(c.to)}</td>
    ${admin
      ? html`<td><form method="post" action="/console/closures/${c.id}/remove" class="inline">${csrfField(auth)}
      <button type="submit" class="danger" aria-label="Remove the closure ${c.reason}">Remove</button></form></td>`
      : ''}
  </tr>`;
  const table = (rows: typeof v.closures, caption: string) => html`<div class="table-wrap"><table class="responsive">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">Reason</th><th scope="col">From</th><th scope="col">Until</th>${admin ? html`<th scope="col"><span class="visually-hidden">Remove</span></th>` : ''}</tr></thead>
    <tbody>${rows.map(row)}</tbody></table></div>`;
  const defaultFrom = localInputValue(startOfLocalDay(new Date(opts.now.getTime() + 7 * 86_400_000).toISOString().slice(0, 10)));
  return page({
    title: 'Closures',
    active: 'closures',
    auth,
    flash: opts.flash ?? null,
    body: html`<h1>Office calendar ${v.year}</h1>
<p class="office-now"><span class="badge ${v.office.open ? 'badge-met' : 'badge-paused'}">${v.office.open ? 'Open' : 'Closed'}</span>
  ${v.office.reason.charAt(0).toUpperCase() + v.office.reason.slice(1)}${v.office.open && v.office.closesAt ? html` · closes ${dateTime(v.office.closesAt)}` : ''}${!v.office.open && v.office.nextOpenAt ? html` · opens ${dateTime(v.office.nextOpenAt)}` : ''}</p>
<nav class="pager" aria-label="Years">
  <a href="/console/closures?year=${v.year - 1}">← ${v.year - 1}</a>
  <a href="/console/closures?year=${v.year + 1}">${v.year + 1} →</a>
</nav>
<div class="grid">
  <section class="card span-2" aria-labelledby="closures-heading">
    <h2 id="closures-heading">Closures</h2>
    <p class="muted small">During a closure office-hours calls are handled as out of hours, and office-hours SLA clocks stop.</p>
    ${future.length ? table(future, 'Closures to come') : html`<p class="empty" id="no-closures">No closures to come in ${v.year}.</p>`}
    ${past.length ? html`<details><summary>Past closures (${past.length})</summary>${table(past, 'Past closures')}</details>` : ''}
    ${
      admin
        ? html`<h3 id="add-closure-heading">Add a closure</h3>
    <form method="post" action="/console/closures" class="filters" aria-labelledby="add-closure-heading">
      ${csrfField(auth)}
      <div class="field wide"><label for="c-reason">Reason</label><input id="c-reason" name="reason" required maxlength="200" value="${opts.form?.reason ?? ''}" placeholder="Staff training"></div>
      <div class="field when"><label for="c-from">From (UK time)</label><input id="c-from" name="from" type="datetime-local" required value="${opts.form?.from ?? defaultFrom}"></div>
      <div class="field when"><label for="c-to">Until (UK time)</label><input id="c-to" name="to" type="datetime-local" required value="${opts.form?.to ?? ''}"></div>
      <div class="field actions"><button type="submit" class="primary">Add closure</button></div>
    </form>`
        : ''
    }
  </section>
  <section class="card" aria-labelledby="bh-heading">
    <h2 id="bh-heading">Bank holidays</h2>
    <p class="muted small">${divisionName(v.division)}</p>
    <ul class="plain holidays">${v.bankHolidays.map(
      (b) => html`<li><time datetime="${b.date}">${day(startOfLocalDay(b.date))}</time> <span>${b.title}</span></li>`,
    )}</ul>
  </section>
</div>`,
  });
}
