// Calls: the call-to-ticket log, newest first, with its filters, keyset paging and
// the CSV of the filtered set.
import { TIERS } from '../../../domain/contracts.ts';
import type { AccountRecord } from '../../../store/accounts.ts';
import { encodeCursor, SLA_STATES, type CallLogPage } from '../../../store/call-log.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { CARRIERS, OUTCOMES, ROUTES } from '../../api/inputs.ts';
import { dateTime, outcomeWord, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { stateBadge } from '../sla-view.ts';

/** The filter fields as the user typed them (strings), for echoing back into the form. */
export type RawFilters = Partial<Record<'from' | 'to' | 'account' | 'tier' | 'route' | 'outcome' | 'carrier' | 'sla', string>>;

const FILTER_KEYS = ['from', 'to', 'account', 'tier', 'route', 'outcome', 'carrier', 'sla'] as const;

export function filterParams(raw: RawFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const k of FILTER_KEYS) {
    const v = raw[k];
    if (v) params.set(k, v);
  }
  return params;
}

function select(name: string, label: string, value: string | undefined, options: readonly (readonly [string, string])[]): Html {
  const known = options.some(([v]) => v === value);
  return html`<div class="field">
  <label for="f-${name}">${label}</label>
  <select id="f-${name}" name="${name}">
    <option value="">Any</option>
    ${options.map(([v, text]) => html`<option value="${v}"${v === value ? html` selected` : ''}>${text}</option>`)}
    ${value && !known ? html`<option value="${value}" selected>${value}</option>` : ''}
  </select>
</div>`;
}

function filterForm(raw: RawFilters, accounts: readonly AccountRecord[]): Html {
  return html`<form method="get" action="/console/calls" class="filters" aria-label="Filter calls">
  <div class="field"><label for="f-from">From</label><input id="f-from" name="from" type="date" value="${raw.from ?? ''}"></div>
  <div class="field"><label for="f-to">To</label><input id="f-to" name="to" type="date" value="${raw.to ?? ''}"></div>
  ${select('account', 'Account', raw.account, accounts.map((a) => [a.number, `${a.name} (${a.number})`] as const))}
  ${select('tier', 'Tier', raw.tier, TIERS.map((t) => [t, t] as const))}
  ${select('route', 'Route', raw.route, ROUTES.map((r) => [r, word(r)] as const))}
  ${select('outcome', 'Outcome', raw.outcome, OUTCOMES.map((o) => [o, o === 'in_progress' ? 'In progress' : outcomeWord(o)] as const))}
  ${select('carrier', 'Carrier', raw.carrier, CARRIERS.map((c) => [c, word(c)] as const))}
  ${select('sla', 'SLA', raw.sla, SLA_STATES.map((s) => [s, word(s)] as const))}
  <div class="field actions"><button type="submit" class="primary">Filter</button> <a href="/console/calls">Clear</a></div>
</form>`;
}

export function callsPage(
  auth: SessionUser,
  opts: { raw: RawFilters; accounts: readonly AccountRecord[]; page: CallLogPage | null; error: string | null },
): Html {
  const params = filterParams(opts.raw);
  const link = (extra: Record<string, string>) => {
    const p = new URLSearchParams(params);
    for (const [k, v] of Object.entries(extra)) p.set(k, v);
    const q = p.toString();
    return `/console/calls${q ? `?${q}` : ''}`;
  };
  const csv = `/console/calls.csv${params.toString() ? `?${params.toString()}` : ''}`;
  const rows = opts.page?.rows ?? [];
  return page({
    title: 'Calls',
    active: 'calls',
    auth,
    body: html`<div class="page-head">
  <h1>Calls</h1>
  ${opts.error ? '' : html`<a class="button" href="${csv}" download>Download CSV</a>`}
</div>
${auth.user.role === 'engineer' ? html`<p class="muted">The calls you were rung for.</p>` : ''}
${filterForm(opts.raw, opts.accounts)}
${opts.error ? html`<p class="flash flash-error" role="alert">These filters cannot be used: ${opts.error}</p>` : ''}
${
  opts.page
    ? rows.length
      ? html`<div class="table-wrap"><table class="responsive calls">
  <caption class="visually-hidden">Calls, newest first</caption>
  <thead><tr>
    <th scope="col">Started</th><th scope="col">Caller</th><th scope="col">Tier</th><th scope="col">Route</th>
    <th scope="col">Outcome</th><th scope="col">Engineer</th><th scope="col">Ticket</th><th scope="col">SLA</th>
  </tr></thead>
  <tbody>${rows.map(
    (c) => html`<tr>
    <td data-label="Started"><a href="/console/calls/${c.id}">${dateTime(c.startedAt)}</a>${c.recording ? html` <span class="badge badge-voicemail" title="Voicemail">VM</span>` : ''}</td>
    <td data-label="Caller">${c.accountName ? html`${c.accountName} <span class="muted">#${c.accountNumber}</span>` : html`<span class="muted">${c.from}</span>`}</td>
    <td data-label="Tier">${c.tier ?? '—'}${c.priority === 'critical' ? html` <span class="badge badge-critical">critical</span>` : ''}</td>
    <td data-label="Route">${word(c.route)}</td>
    <td data-label="Outcome">${outcomeWord(c.outcome)}${c.escalationFailed ? html` <span class="badge badge-breached">escalation failed</span>` : ''}</td>
    <td data-label="Engineer">${c.engineerName ?? '—'}</td>
    <td data-label="Ticket">${c.ticketReference ? html`<a href="/console/tickets/${c.ticketReference}">${c.ticketReference}</a> <span class="muted">${word(c.ticketStatus)}</span>` : '—'}</td>
    <td data-label="SLA">${stateBadge(c.sla)}</td>
  </tr>`,
  )}</tbody></table></div>`
      : html`<p class="empty">No calls match.</p>`
    : ''
}
${
  opts.page && (opts.page.prev || opts.page.next)
    ? html`<nav class="pager" aria-label="Pages">
  ${opts.page.prev ? html`<a href="/console/calls${params.toString() ? `?${params.toString()}` : ''}">Newest</a> <a rel="prev" href="${link({ before: encodeCursor(opts.page.prev) })}">← Newer</a>` : ''}
  ${opts.page.next ? html`<a rel="next" href="${link({ after: encodeCursor(opts.page.next) })}">Older →</a>` : ''}
</nav>`
    : ''
}`,
  });
}
