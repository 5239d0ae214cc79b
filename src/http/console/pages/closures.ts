// Closures: the office calendar — whether the office is open now, the year's bank
// holidays, and the closures, which admins add and remove (open tickets' office
// timers recompute).
import type { SessionUser } from '../../../store/sessions.ts';
import type { ClosuresView } from '../../api/closures.ts';
import type { LineNumber } from '../../../store/line-numbers.ts';
import { dateTime, dateTimeYear, day, divisionName, localInputValue, startOfLocalDay } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

export function closuresPage(
  auth: SessionUser,
  v: ClosuresView,
  opts: { now: Date; flash?: { kind: 'ok' | 'error'; text: string } | null; form?: { from?: string; to?: string; reason?: string }; numbers?: LineNumber[] },
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
</div>
${lineNumbersSection(auth, opts.numbers ?? [], admin)}`,
  });
}

const PROFILE_WORDS: Record<LineNumber['profile'], string> = {
  main: 'Main support number: the usual menu',
  cat4_24h: 'Cat4 24-hour: Cat4 customers straight to the fault questions; others told the main number',
  billing: 'Billing: straight to the accounts team',
};

/** The line's own numbers and what each does when dialled; admins add, re-profile and remove them. */
function lineNumbersSection(auth: SessionUser, numbers: LineNumber[], admin: boolean): Html {
  const options = (selected: string) => (Object.keys(PROFILE_WORDS) as LineNumber['profile'][]).map(
    (p) => html`<option value="${p}"${p === selected ? ' selected' : ''}>${p}</option>`,
  );
  return html`<section class="card" aria-labelledby="numbers-heading" id="numbers">
  <h2 id="numbers-heading">The line’s numbers</h2>
  <p class="muted small">The number a caller dialled decides how the call starts. A number not listed is handled as the main number.</p>
  ${
    numbers.length
      ? html`<div class="table-wrap"><table class="responsive">
    <caption class="visually-hidden">The line’s numbers</caption>
    <thead><tr><th scope="col">Number</th><th scope="col">Label</th><th scope="col">Profile</th>${admin ? html`<th scope="col"><span class="visually-hidden">Change</span></th>` : ''}</tr></thead>
    <tbody>${numbers.map(
      (n) => html`<tr>
      <td data-label="Number"><strong>${n.number}</strong></td>
      <td data-label="Label">${n.label}</td>
      <td data-label="Profile">${PROFILE_WORDS[n.profile]}</td>
      ${
        admin
          ? html`<td><form method="post" action="/console/numbers/${encodeURIComponent(n.number)}/profile" class="inline">${csrfField(auth)}
        <label class="visually-hidden" for="p-${n.number}">Profile of ${n.number}</label><select id="p-${n.number}" name="profile">${options(n.profile)}</select>
        <button type="submit">Set</button></form>
        <form method="post" action="/console/numbers/${encodeURIComponent(n.number)}/remove" class="inline">${csrfField(auth)}
        <button type="submit" class="danger" aria-label="Remove the number ${n.number}">Remove</button></form></td>`
          : ''
      }
    </tr>`,
    )}</tbody></table></div>`
      : html`<p class="empty">No numbers yet: every call is handled as the main number.</p>`
  }
  ${
    admin
      ? html`<h3 id="add-number-heading">Add a number</h3>
  <form method="post" action="/console/numbers" class="filters" aria-labelledby="add-number-heading">
    ${csrfField(auth)}
    <div class="field"><label for="n-number">Number</label><input id="n-number" name="number" required maxlength="40" placeholder="0808 157 0024"></div>
    <div class="field"><label for="n-label">Label</label><input id="n-label" name="label" required maxlength="100" placeholder="Cat4 24-hour"></div>
    <div class="field"><label for="n-profile">Profile</label><select id="n-profile" name="profile">${options('main')}</select></div>
    <div class="field actions"><button type="submit" class="primary">Add number</button></div>
  </form>`
      : ''
  }
</section>`;
}
