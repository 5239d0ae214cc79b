// The customer card a ticket and a call show: the account, what its contract covers
// today, the number that rang, their other open tickets and recent calls.
import type { CustomerView } from '../../store/customer-view.ts';
import { dateTime, day, outcomeWord, word } from './format.ts';
import { html, type Html } from './html.ts';

const ukDay = (isoDate: string) => day(new Date(`${isoDate}T12:00:00Z`));

export function customerCard(c: CustomerView | null, callerNumber: string | null): Html {
  if (!c) {
    return html`<section class="card" aria-labelledby="customer-heading">
  <h2 id="customer-heading">Customer</h2>
  <p class="muted">Not identified${callerNumber ? html` · rang from <strong>${callerNumber}</strong>` : ''}.</p>
</section>`;
  }
  const a = c.account;
  return html`<section class="card" aria-labelledby="customer-heading">
  <h2 id="customer-heading">Customer</h2>
  <dl class="facts">
    <dt>Account</dt><dd><strong>${a.name}</strong> · #${a.number}${a.status === 'active' ? '' : html` <span class="badge badge-breached">${a.status}</span>`}</dd>
    <dt>Cover today</dt><dd>${c.tier}${
      c.contract
        ? html` <span class="muted">from ${ukDay(c.contract.startsOn)}${c.contract.endsOn ? html` to ${ukDay(c.contract.endsOn)}` : ', open-ended'}</span>`
        : html` <span class="muted">no contract in force</span>`
    }</dd>
    ${c.contract?.sites.length ? html`<dt>Sites</dt><dd>${c.contract.sites.join('; ')}</dd>` : ''}
    ${callerNumber ? html`<dt>Rang from</dt><dd>${callerNumber}${a.phones.includes(callerNumber) ? '' : html` <span class="muted">(not one of the account's numbers)</span>`}</dd>` : ''}
    <dt>Account phones</dt><dd>${a.phones.join(', ') || '—'}</dd>
  </dl>
  <h3>Other open tickets</h3>
  ${
    c.openTickets.length
      ? html`<ul class="plain">${c.openTickets.map(
          (t) => html`<li><a href="/console/tickets/${t.reference}">${t.reference}</a> ${word(t.kind)} · ${word(t.status)} <span class="muted">${dateTime(t.openedAt)}</span></li>`,
        )}</ul>`
      : html`<p class="muted">None.</p>`
  }
  <h3>Recent calls</h3>
  ${
    c.recentCalls.length
      ? html`<ul class="plain">${c.recentCalls.map(
          (k) => html`<li><a href="/console/calls/${k.id}">${dateTime(k.startedAt)}</a> ${outcomeWord(k.outcome)}${k.ticketReference ? html` · ticket ${k.ticketReference}` : ''}</li>`,
        )}</ul>`
      : html`<p class="muted">None.</p>`
  }
</section>`;
}
