// Incidents: the announcements callers hear now (supervisors post and withdraw them)
// and the incidents callers join (opened, and resolved with their tickets).
import type { AnnouncementRecord } from '../../../store/announcements.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import type { IncidentRecord } from '../../../tickets/incidents.ts';
import { dateTimeYear, localInputValue } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

export type AnnouncementForm = Partial<Record<'kind' | 'message' | 'startsAt' | 'endsAt' | 'accounts' | 'service' | 'dialledNumber' | 'incidentId', string>>;

export function incidentsPage(
  auth: SessionUser,
  v: { announcements: AnnouncementRecord[]; incidents: IncidentRecord[]; now: Date },
  opts: { flash?: { kind: 'ok' | 'error'; text: string } | null; form?: AnnouncementForm } = {},
): Html {
  const f = opts.form ?? {};
  const open = v.incidents.filter((i) => !i.resolvedAt);
  const scope = (a: AnnouncementRecord) =>
    [a.accountIds ? `${a.accountIds.length} account(s)` : '', a.service ?? '', a.dialledNumber ? `callers to ${a.dialledNumber}` : ''].filter(Boolean).join(', ') || 'everyone';
  return page({
    title: 'Incidents',
    active: 'incidents',
    auth,
    flash: opts.flash ?? null,
    body: html`<h1>Incidents and announcements</h1>
<section class="card" aria-labelledby="ann-heading">
  <h2 id="ann-heading">Announcements callers hear</h2>
  ${
    v.announcements.length
      ? html`<div class="table-wrap"><table class="responsive" id="announcements">
    <thead><tr><th scope="col">Message</th><th scope="col">Kind</th><th scope="col">From</th><th scope="col">Until</th><th scope="col">Who hears it</th><th scope="col"><span class="visually-hidden">Withdraw</span></th></tr></thead>
    <tbody>${v.announcements.map(
      (a) => html`<tr><td data-label="Message">${a.message}${a.sound ? '' : html` <span class="muted small">(Asterisk: generic words)</span>`}</td>
      <td data-label="Kind">${a.kind}</td><td data-label="From">${dateTimeYear(new Date(a.startsAt))}</td><td data-label="Until">${dateTimeYear(new Date(a.endsAt))}</td>
      <td data-label="Who hears it">${scope(a)}${a.incidentId ? html` · press 1 joins incident ${a.incidentId}` : ''}</td>
      <td><form method="post" action="/console/announcements/${a.id}/withdraw" class="inline">${csrfField(auth)}<button type="submit" class="danger">Withdraw</button></form></td></tr>`,
    )}</tbody></table></div>`
      : html`<p class="empty">No announcements: callers go straight to the PIN and the menu.</p>`
  }
  <h3 id="post-heading">Post an announcement</h3>
  <form method="post" action="/console/announcements" class="filters" aria-labelledby="post-heading">
    ${csrfField(auth)}
    <div class="field wide"><label for="a-message">Message</label><textarea id="a-message" name="message" required maxlength="600">${f.message ?? ''}</textarea></div>
    <div class="field"><label for="a-kind">Kind</label><select id="a-kind" name="kind"><option value="incident"${f.kind === 'maintenance' ? '' : ' selected'}>incident</option><option value="maintenance"${f.kind === 'maintenance' ? ' selected' : ''}>planned maintenance (48 hours’ notice)</option></select></div>
    <div class="field when"><label for="a-from">From (UK time)</label><input id="a-from" name="startsAt" type="datetime-local" required value="${f.startsAt ?? localInputValue(v.now)}"></div>
    <div class="field when"><label for="a-to">Until (UK time)</label><input id="a-to" name="endsAt" type="datetime-local" required value="${f.endsAt ?? ''}"></div>
    <div class="field"><label for="a-accounts">Only these accounts (numbers, commas)</label><input id="a-accounts" name="accounts" value="${f.accounts ?? ''}"></div>
    <div class="field"><label for="a-service">Only a service</label><select id="a-service" name="service"><option value="">any</option><option value="phones"${f.service === 'phones' ? ' selected' : ''}>phones</option><option value="broadband"${f.service === 'broadband' ? ' selected' : ''}>broadband</option></select></div>
    <div class="field"><label for="a-dialled">Only callers to number</label><input id="a-dialled" name="dialledNumber" maxlength="32" value="${f.dialledNumber ?? ''}"></div>
    <div class="field"><label for="a-incident">Press 1 joins</label><select id="a-incident" name="incidentId"><option value="">no incident</option>${open.map((i) => html`<option value="${i.id}"${f.incidentId === i.id ? ' selected' : ''}>${i.title}</option>`)}</select></div>
    <div class="field actions"><button type="submit" class="primary">Post</button></div>
  </form>
</section>
<section class="card" aria-labelledby="inc-heading">
  <h2 id="inc-heading">Incidents</h2>
  ${
    v.incidents.length
      ? html`<div class="table-wrap"><table class="responsive" id="incidents">
    <thead><tr><th scope="col">Incident</th><th scope="col">Ticket</th><th scope="col">Callers joined</th><th scope="col">Status</th><th scope="col"><span class="visually-hidden">Resolve</span></th></tr></thead>
    <tbody>${v.incidents.map(
      (i) => html`<tr><td data-label="Incident">${i.title}</td><td data-label="Ticket"><a href="/console/tickets/${i.reference}">${i.reference}</a></td><td data-label="Callers joined">${String(i.children)}</td>
      <td data-label="Status">${i.resolvedAt ? `resolved ${dateTimeYear(new Date(i.resolvedAt))}` : i.status}</td>
      <td>${
        i.resolvedAt
          ? ''
          : html`<form method="post" action="/console/incidents/${i.id}/resolve" class="inline">${csrfField(auth)}<label><input type="checkbox" name="text"> text the callers</label> <button type="submit">Resolve with its tickets</button></form>`
      }</td></tr>`,
    )}</tbody></table></div>`
      : html`<p class="empty">No incidents.</p>`
  }
  <h3 id="open-heading">Open an incident</h3>
  <form method="post" action="/console/incidents" class="filters" aria-labelledby="open-heading">
    ${csrfField(auth)}
    <div class="field wide"><label for="i-title">Title</label><input id="i-title" name="title" required maxlength="200" placeholder="Bath exchange fault"></div>
    <div class="field actions"><button type="submit" class="primary">Open incident</button></div>
  </form>
</section>`,
  });
}
