// Search results: accounts, tickets, calls and engineers, each a link to where a
// supervisor acts on it.
import type { SessionUser } from '../../../store/sessions.ts';
import type { SearchResults } from '../../../store/search.ts';
import { dateTime, outcomeWord, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';

function section(id: string, title: string, count: number, body: Html): Html {
  return html`<section class="card" aria-labelledby="${id}">
  <h2 id="${id}">${title} <span class="count">${count}</span></h2>
  ${count ? body : html`<p class="empty">None.</p>`}
</section>`;
}

export function searchPage(auth: SessionUser, q: string, results: SearchResults | null, error: string | null = null): Html {
  const total = results ? results.accounts.length + results.tickets.length + results.calls.length + results.engineers.length : 0;
  const engineer = auth.user.role === 'engineer';
  return page({
    title: q ? `Search: ${q}` : 'Search',
    active: 'search',
    auth,
    searched: q,
    body: html`<h1>Search</h1>
${error ? html`<p class="flash flash-error" role="alert">${error}</p>` : ''}
${
  !results
    ? html`<p class="muted">Type a ticket reference, an account number or name, a phone number (any format) or an engineer's name in the box at the top.</p>`
    : html`<p class="muted" role="status">${total} result${total === 1 ? '' : 's'} for “${q}”.</p>
${
  engineer
    ? ''
    : section(
        'accounts-heading',
        'Accounts',
        results.accounts.length,
        html`<ul class="plain">${results.accounts.map(
          (a) => html`<li><strong>${a.name}</strong> <span class="muted">#${a.number} · ${a.phones.join(', ') || 'no phones'}${a.status === 'active' ? '' : ` · ${a.status}`}</span>
  · <a href="/console/calls?account=${a.number}">calls</a></li>`,
        )}</ul>`,
      )
}
${section(
  'tickets-heading',
  'Tickets',
  results.tickets.length,
  html`<div class="table-wrap"><table class="responsive">
  <thead><tr><th scope="col">Ticket</th><th scope="col">Account</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">Opened</th></tr></thead>
  <tbody>${results.tickets.map(
    (t) => html`<tr>
    <td data-label="Ticket"><a href="/console/tickets/${t.reference}">${t.reference}</a></td>
    <td data-label="Account">${t.accountName ?? '—'}${t.accountNumber ? html` <span class="muted">#${t.accountNumber}</span>` : ''}</td>
    <td data-label="Kind">${word(t.kind)} · ${t.tier}</td>
    <td data-label="Status">${word(t.status)}</td>
    <td data-label="Opened">${dateTime(t.openedAt)}</td>
  </tr>`,
  )}</tbody></table></div>`,
)}
${section(
  'calls-heading',
  'Calls',
  results.calls.length,
  html`<div class="table-wrap"><table class="responsive">
  <thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">Account</th><th scope="col">Outcome</th><th scope="col">Ticket</th></tr></thead>
  <tbody>${results.calls.map(
    (c) => html`<tr>
    <td data-label="When"><a href="/console/calls/${c.id}">${dateTime(c.startedAt)}</a></td>
    <td data-label="From">${c.from} <span class="muted">${word(c.carrier)}</span></td>
    <td data-label="Account">${c.accountName ?? '—'}</td>
    <td data-label="Outcome">${outcomeWord(c.outcome)}</td>
    <td data-label="Ticket">${c.ticketReference ? html`<a href="/console/tickets/${c.ticketReference}">${c.ticketReference}</a>` : '—'}</td>
  </tr>`,
  )}</tbody></table></div>`,
)}
${
  engineer
    ? ''
    : section(
        'engineers-heading',
        'Engineers',
        results.engineers.length,
        html`<ul class="plain">${results.engineers.map(
          (e) => html`<li><strong>${e.name}</strong> <span class="muted">${e.phone}${e.active ? '' : ' · inactive'}</span> · <a href="/console/rota">rota</a></li>`,
        )}</ul>`,
      )
}`
}`,
  });
}
