// Tickets: the list with each ticket's SLA at a glance, and one ticket with its
// timers counting down, its lifecycle actions, notes and trail.
import { ALLOWED_FROM, TICKET_ACTIONS, type TicketAction } from '../../../domain/tickets/lifecycle.ts';
import type { TicketStatus } from '../../../domain/flow/types.ts';
import { SLA_STATES } from '../../../store/call-log.ts';
import type { TicketCursor, TicketListRow } from '../../../store/console-views.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import type { TicketView } from '../../../tickets/queries.ts';
import type { CustomerInView } from '../../api/customer.ts';
import type { TicketOwnership } from '../../../store/ticket-owner.ts';
import { customerCard } from '../customer-card.ts';
import { dateTime, roleWord, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';
import { countdown, stateBadge, timerView } from '../sla-view.ts';

export const ACTION_LABELS: Record<TicketAction, string> = {
  acknowledge: 'Acknowledge',
  wait: 'Wait on customer',
  resume: 'Resume',
  decide_onsite: 'On-site decided',
  arrive_onsite: 'Arrived on site',
  resolve: 'Resolve',
  close: 'Close',
  reopen: 'Reopen',
};

export function actionsFor(status: TicketStatus): TicketAction[] {
  return TICKET_ACTIONS.filter((a) => ALLOWED_FROM[a].includes(status));
}

const STATUS_FILTERS: readonly (readonly [string, string])[] = [
  ['open', 'Open'],
  ['', 'All'],
  ['new', 'New'],
  ['acknowledged', 'Acknowledged'],
  ['waiting_on_customer', 'Waiting on customer'],
  ['onsite_decided', 'On-site decided'],
  ['onsite', 'On site'],
  ['resolved', 'Resolved'],
  ['closed', 'Closed'],
  ['caller_abandoned', 'Caller abandoned'],
];

export function ticketsPage(
  auth: SessionUser,
  opts: { status: string; sla: string; mine?: boolean; rows: TicketListRow[]; next: TicketCursor | null; nextLink: string | null; now: Date; error: string | null },
): Html {
  return page({
    title: opts.mine ? 'My tickets' : 'Tickets',
    active: 'tickets',
    auth,
    body: html`<div class="page-head"><h1>${opts.mine ? 'My tickets' : 'Tickets'}</h1>
  ${opts.mine ? html`<a class="button" href="/console/tickets">All tickets</a>` : html`<a class="button" href="/console/tickets?mine=1">My tickets</a>`}</div>
${auth.user.role === 'engineer' ? html`<p class="muted">Tickets you responded to or were rung for.</p>` : ''}
<form method="get" action="/console/tickets" class="filters" aria-label="Filter tickets">
  <div class="field"><label for="t-status">Status</label>
    <select id="t-status" name="status">${STATUS_FILTERS.map(
      ([v, label]) => html`<option value="${v}"${v === opts.status ? html` selected` : ''}>${label}</option>`,
    )}</select></div>
  <div class="field"><label for="t-sla">SLA</label>
    <select id="t-sla" name="sla"><option value="">Any</option>${SLA_STATES.map(
      (s) => html`<option value="${s}"${s === opts.sla ? html` selected` : ''}>${word(s)}</option>`,
    )}</select></div>
  ${opts.mine ? html`<input type="hidden" name="mine" value="1">` : ''}
  <div class="field actions"><button type="submit" class="primary">Filter</button></div>
</form>
${opts.error ? html`<p class="flash flash-error" role="alert">These filters cannot be used: ${opts.error}</p>` : ''}
${
  opts.rows.length
    ? html`<div class="table-wrap"><table class="responsive">
  <caption class="visually-hidden">Tickets, newest first</caption>
  <thead><tr><th scope="col">Ticket</th><th scope="col">Opened</th><th scope="col">Account</th><th scope="col">Kind</th><th scope="col">Status</th><th scope="col">SLA</th><th scope="col">Next due</th><th scope="col">Owner</th></tr></thead>
  <tbody>${opts.rows.map(
    (t) => html`<tr>
    <td data-label="Ticket"><a href="/console/tickets/${t.reference}"><strong>${t.reference}</strong></a></td>
    <td data-label="Opened">${dateTime(t.openedAt)}</td>
    <td data-label="Account">${t.accountName ?? '—'}</td>
    <td data-label="Kind">${word(t.kind)} · ${t.tier}${t.priority === 'critical' ? html` <span class="badge badge-critical">critical</span>` : ''}</td>
    <td data-label="Status">${word(t.status)}</td>
    <td data-label="SLA">${stateBadge(t.sla)}</td>
    <td data-label="Next due">${t.nextDueAt ? html`${word(t.nextTarget)}: ${countdown({ state: 'running', dueAt: t.nextDueAt, warnAt: null }, opts.now)}` : '—'}</td>
    <td data-label="Owner">${t.assignee ?? html`<span class="muted">—</span>`}</td>
  </tr>`,
  )}</tbody></table></div>`
    : opts.error
      ? ''
      : html`<p class="empty">No tickets match.</p>`
}
${opts.nextLink ? html`<nav class="pager" aria-label="Pages"><a href="/console/tickets">Newest</a> <a rel="next" href="${opts.nextLink}">Older →</a></nav>` : ''}`,
  });
}

const TRAIL: Record<string, string> = {
  created: 'Ticket opened',
  responded: 'Response recorded',
  recording: 'Voicemail attached',
  flagged: 'Flagged',
  note: 'Note',
  assigned: 'Owner changed',
  'callback-done': 'Customer called back',
  recomputed: 'Due times recomputed: the office calendar changed',
  sla_warning: 'SLA warning',
  sla_breach: 'SLA breached',
  adr_notice_given: 'Customer told of their right to ADR',
  adr_notice_texted: 'ADR notice texted to the customer',
  adr_letter_due: 'ADR notice to send by letter (no mobile to text)',
  ...ACTION_LABELS,
};

function ownerFacts(auth: SessionUser, reference: string, o: TicketOwnership, owners: readonly { id: string; name: string; role: string }[]): Html {
  const engineer = auth.user.role === 'engineer';
  return html`<dt>Owner</dt><dd id="ticket-owner">${o.assignee ? o.assignee.name : html`<span class="muted">nobody</span>`}
  ${
    engineer
      ? o.assignee?.id === auth.user.id
        ? ''
        : html`<form method="post" action="/console/tickets/${reference}/assign" class="inline">${csrfField(auth)}<input type="hidden" name="userId" value="me"><button type="submit">Take it</button></form>`
      : html`<form method="post" action="/console/tickets/${reference}/assign" class="inline">${csrfField(auth)}
    <label for="owner" class="visually-hidden">Give the ticket to</label>
    <select id="owner" name="userId"><option value="">nobody</option>${owners.map(
      (u) => html`<option value="${u.id}"${o.assignee?.id === u.id ? html` selected` : ''}>${u.name} (${roleWord(u.role)})</option>`,
    )}</select>
    <button type="submit">Assign</button></form>`
  }</dd>
  <dt>Call back</dt><dd id="ticket-callback">${
    o.callbackOwed
      ? html`<span class="badge badge-warning">owed</span> <form method="post" action="/console/tickets/${reference}/callback-done" class="inline">${csrfField(auth)}<button type="submit">Called back</button></form>`
      : o.callbackDoneAt
        ? html`made ${dateTime(o.callbackDoneAt)}`
        : html`<span class="muted">none owed</span>`
  }</dd>`;
}

function trailText(e: { type: string; detail: Record<string, unknown> }): string {
  const d = e.detail;
  const note = typeof d.note === 'string' ? d.note : typeof d.text === 'string' ? d.text : null;
  const moved = typeof d.from === 'string' && typeof d.to === 'string' && e.type !== 'recomputed' ? ` (${word(d.from)} → ${word(d.to)})` : '';
  const target = typeof d.target === 'string' ? `: ${word(d.target).toLowerCase()}` : typeof d.flag === 'string' ? `: ${d.flag.replace(/_/g, ' ')}` : '';
  return `${TRAIL[e.type] ?? word(e.type)}${target}${moved}${note ? ` — ${note}` : ''}`;
}

export function ticketPage(
  auth: SessionUser,
  t: TicketView,
  opts: {
    now: Date;
    actors: ReadonlyMap<string, string>;
    flash?: { kind: 'ok' | 'error'; text: string } | null;
    customer?: CustomerInView;
    ownership?: TicketOwnership;
    /** Who a supervisor may give the ticket to (empty for an engineer, who may only take it). */
    owners?: readonly { id: string; name: string; role: string }[];
  },
): Html {
  const actions = actionsFor(t.status);
  const adrTask = t.tasks.find((k) => k.kind === 'adr_notice');
  return page({
    title: `Ticket ${t.reference}`,
    active: 'tickets',
    auth,
    flash: opts.flash ?? null,
    body: html`<p class="crumbs"><a href="/console/tickets">Tickets</a> › ${t.reference}</p>
<div class="page-head">
  <h1>Ticket ${t.reference} <span class="badge badge-status" id="ticket-status">${word(t.status)}</span></h1>
</div>
<div class="grid two">
  <section class="card" aria-labelledby="about-heading">
    <h2 id="about-heading">About</h2>
    <dl class="facts">
      <dt>Kind</dt><dd>${word(t.kind)} · ${t.tier}${t.priority ? html` · ${word(t.priority)}` : ''}</dd>
      <dt>Opened</dt><dd>${dateTime(t.openedAt)} (${word(t.channel)})</dd>
      <dt>Responded</dt><dd>${t.respondedAt ? dateTime(t.respondedAt) : 'not yet'}</dd>
      ${t.callId ? html`<dt>Call</dt><dd><a href="/console/calls/${t.callId}">the call that raised it</a></dd>` : ''}
      ${t.summary ? html`<dt>Summary</dt><dd>${t.summary}</dd>` : ''}
      ${t.escalationFailed ? html`<dt>Escalation</dt><dd><span class="badge badge-breached">failed</span></dd>` : ''}
      ${opts.ownership ? ownerFacts(auth, t.reference, opts.ownership, opts.owners ?? []) : ''}
    </dl>
  </section>
  <section class="card" aria-labelledby="sla-heading">
    <h2 id="sla-heading">SLA</h2>
    <div class="table-wrap"><table class="responsive timers">
      <thead><tr><th scope="col">Target</th><th scope="col">State</th><th scope="col">Time</th><th scope="col">Due</th></tr></thead>
      <tbody>${t.timers.map(
        (tm) => html`<tr data-target="${tm.target}">
        <td data-label="Target">${word(tm.target)} <span class="muted small">${tm.calendar} hours</span></td>
        <td data-label="State" class="timer-state">${stateBadge(timerView(tm, opts.now))}</td>
        <td data-label="Time">${countdown(tm, opts.now)}</td>
        <td data-label="Due">${tm.dueAt ? dateTime(tm.dueAt) : '—'}</td>
      </tr>`,
      )}</tbody>
    </table></div>
  </section>
</div>
${opts.customer ? customerCard(opts.customer.customer, opts.customer.callerNumber) : ''}
<section class="card" aria-labelledby="actions-heading">
  <h2 id="actions-heading">Actions</h2>
  ${
    actions.length
      ? html`<form method="post" action="/console/tickets/${t.reference}/actions" class="stack">
    ${csrfField(auth)}
    <label for="action-note">Note with the action (optional)</label>
    <textarea id="action-note" name="note" rows="2" maxlength="4000"></textarea>
    <div class="button-row">${actions.map(
      (a) => html`<button type="submit" name="action" value="${a}"${a === 'acknowledge' ? html` class="primary"` : ''}>${ACTION_LABELS[a]}</button>`,
    )}</div>
  </form>`
      : html`<p class="muted">No lifecycle action applies to a ${word(t.status).toLowerCase()} ticket.</p>`
  }
  ${
    t.kind === 'complaint' && !adrTask?.doneAt
      ? html`<form method="post" action="/console/tickets/${t.reference}/adr-notice" class="inline">${csrfField(auth)}
    <button type="submit">Record that the customer was told of ADR</button></form>`
      : ''
  }
</section>
<section class="card" aria-labelledby="notes-heading">
  <h2 id="notes-heading">Notes and history</h2>
  <form method="post" action="/console/tickets/${t.reference}/notes" class="stack">
    ${csrfField(auth)}
    <label for="note">Add a note</label>
    <textarea id="note" name="note" rows="3" maxlength="4000" required></textarea>
    <div><button type="submit">Add note</button></div>
  </form>
  <ol class="timeline trail">${[...t.events].reverse().map(
    (e) => html`<li><time datetime="${e.at.toISOString()}">${dateTime(e.at)}</time>
      <span class="tl-who">${opts.actors.get(e.actor) ?? e.actor}</span><span class="tl-text">${trailText(e)}</span></li>`,
  )}</ol>
</section>`,
  });
}
