// Now, incident-first: what needs a human at the top, each with its one action
// (tickets breached or about to breach; escalation failed: call back; calls waiting
// for the desk: see the caller; calls back owed: call back), then calls in progress
// (kept live by the event stream) and who is on call now and next.
import type { SessionUser } from '../../../store/sessions.ts';
import type { CallLogRow } from '../../../store/call-log.ts';
import type { NowView } from '../../api/now.ts';
import type { CallbackDue } from '../../../store/ticket-owner.ts';
import type { OnCallLevel } from '../../api/rota.ts';
import { clockTime, dateTime, relative, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';
import { countdown, stateBadge } from '../sla-view.ts';

/** One live call as a list item; the script renders the same shape from events. */
export function liveCallItem(c: Pick<CallLogRow, 'id' | 'from' | 'carrier' | 'startedAt' | 'accountName' | 'accountNumber' | 'route' | 'ticketReference'> & { phase?: string }): Html {
  return html`<li class="live-call" data-call-id="${c.id}">
  <a href="/console/calls/${c.id}"><strong>${c.accountName ?? c.from}</strong></a>
  <span class="muted">${c.accountNumber ? html`#${c.accountNumber} · ` : ''}${c.from} · ${word(c.carrier)}</span>
  <span class="live-phase">${c.phase ? word(c.phase) : c.route ? word(c.route) : 'In the menu'}${c.ticketReference ? html` · ticket ${c.ticketReference}` : ''}</span>
  <span class="muted">since ${clockTime(c.startedAt)}</span>
</li>`;
}

function onCallList(levels: readonly OnCallLevel[]): Html {
  return html`<ol class="escalation">${levels.map(
    (l) => html`<li><div><span class="level">${word(l.level)}</span>${
      l.engineers.length
        ? l.engineers.map((e) => html`<strong>${e.name}</strong><span class="until">until ${dateTime(e.until)}</span>`)
        : html`<strong class="warn-text">nobody</strong>`
    }</div></li>`,
  )}</ol>`;
}

function callbackSection(auth: SessionUser, list: readonly CallbackDue[], at: Date, o: { id: string; heading: string; caption: string; empty: string; lead?: Html | string }): Html {
  return html`<section class="card${o.id === 'escalation-failed' && list.length ? ' urgent' : ''}" aria-labelledby="${o.id}-heading" id="${o.id}">
  <h2 id="${o.id}-heading">${o.heading} <span class="count">${list.length}</span></h2>
  ${o.lead ?? ''}
  ${
    list.length
      ? html`<div class="table-wrap"><table class="responsive">
    <caption class="visually-hidden">${o.caption}</caption>
    <thead><tr><th scope="col">Ticket</th><th scope="col">Customer</th><th scope="col">Call</th><th scope="col">Promised by</th><th scope="col">Owner</th><th scope="col"><span class="visually-hidden">Action</span></th></tr></thead>
    <tbody>${list.map(
      (c) => html`<tr>
      <td data-label="Ticket"><a href="/console/tickets/${c.reference}">${c.reference}</a>${c.messageLeft ? html` <span class="muted">message left</span>` : ''}</td>
      <td data-label="Customer">${c.accountName ?? '—'}</td>
      <td data-label="Call">${c.callerNumber ?? '—'}</td>
      <td data-label="Promised by">${c.dueAt ? html`${dateTime(c.dueAt)} <span class="muted">${relative(c.dueAt, at)}</span>` : '—'}</td>
      <td data-label="Owner">${c.assignee ?? html`<span class="muted">nobody</span>`}</td>
      <td data-label="Action"><form method="post" action="/console/tickets/${c.reference}/callback-done" class="inline">${csrfField(auth)}<button type="submit">Called back</button></form></td>
    </tr>`,
    )}</tbody></table></div>`
      : html`<p class="empty">${o.empty}</p>`
  }
</section>`;
}

function escalationFailedSection(auth: SessionUser, v: NowView): Html {
  return callbackSection(auth, v.escalationFailed, v.at, {
    id: 'escalation-failed',
    heading: 'Escalation failed',
    caption: 'Critical calls no on-call engineer accepted, the customer not yet called back',
    empty: 'Every critical call reached an engineer.',
    lead: v.escalationFailed.length ? html`<p class="small">Nobody on the rota accepted these calls. Call the customer back now, then record it.</p>` : '',
  });
}

function deskSection(v: NowView): Html {
  return html`<section class="card" aria-labelledby="desk-heading" id="desk-waiting">
  <h2 id="desk-heading">Calls waiting for the desk <span class="count">${v.waitingForDesk.length}</span></h2>
  ${
    v.waitingForDesk.length
      ? html`<ul class="desk-waiting">${v.waitingForDesk.map(
          (c) => html`<li><strong>${c.accountName ?? c.from}</strong> <span class="muted">${c.accountNumber ? html`#${c.accountNumber} · ` : ''}${c.from}${c.queue ? html` · ${word(c.queue)} desk` : ''}</span>
          waiting since ${clockTime(c.since)} <span class="muted">(${relative(c.since, v.at)})</span>
          <a class="button" href="/console/calls/${c.callId}">See the caller</a></li>`,
        )}</ul>`
      : html`<p class="empty">Nobody is waiting for the desk.</p>`
  }
</section>`;
}

export function nowPage(auth: SessionUser, v: NowView): Html {
  const engineer = auth.user.role === 'engineer';
  const breaches = new Set(v.atRisk.filter((t) => t.state === 'breached').map((t) => t.reference)).size;
  const counts = [
    breaches ? `${breaches} breached` : '',
    v.escalationFailed.length ? `${v.escalationFailed.length} escalation failed` : '',
    v.waitingForDesk.length ? `${v.waitingForDesk.length} waiting for the desk` : '',
    v.callbacks.length ? `${v.callbacks.length} to call back` : '',
  ].filter(Boolean);
  return page({
    // A background tab shows what needs a human.
    title: counts.length ? `(${counts.join(', ')}) Now` : 'Now',
    active: 'now',
    auth,
    live: true,
    body: html`<h1>Now</h1>
<div class="grid">
  <div class="span-2">
<section class="card" aria-labelledby="risk-heading">
  <h2 id="risk-heading">Tickets breached or about to breach</h2>
  ${
    v.atRisk.length
      ? html`<div class="table-wrap"><table class="responsive">
    <caption class="visually-hidden">Breached targets of unresolved tickets first, then timers due within two hours, soonest first</caption>
    <thead><tr><th scope="col">Ticket</th><th scope="col">Account</th><th scope="col">Target</th><th scope="col">State</th><th scope="col">Due</th></tr></thead>
    <tbody>${v.atRisk.map(
      (t) => html`<tr>
      <td data-label="Ticket"><a href="/console/tickets/${t.reference}">${t.reference}</a> <span class="muted">${word(t.status)}</span></td>
      <td data-label="Account">${t.accountName ?? '—'}</td>
      <td data-label="Target">${word(t.target)}</td>
      <td data-label="State">${stateBadge(t.state)}</td>
      <td data-label="Due">${countdown({ state: 'running', dueAt: t.dueAt, warnAt: t.warnAt }, v.at)}</td>
    </tr>`,
    )}</tbody></table></div>`
      : html`<p class="empty">Nothing is due in the next two hours.</p>`
  }
</section>
${escalationFailedSection(auth, v)}
${engineer ? '' : deskSection(v)}
${callbackSection(auth, v.callbacks, v.at, {
  id: 'callbacks',
  heading: 'Calls back owed',
  caption: 'Messages left and promised callbacks not yet made, due soonest first',
  empty: 'No calls back are owed.',
})}
  <section class="card" aria-labelledby="live-heading">
    <h2 id="live-heading">Calls in progress <span class="count" id="live-count">${v.liveCalls.length}</span></h2>
    <p class="muted small" id="live-status" aria-live="polite">${engineer ? 'Calls you are rung on appear here as they happen.' : 'Calls appear here as they arrive.'}</p>
    <ul id="live-calls" class="live-calls" aria-live="polite">${v.liveCalls.map((c) => liveCallItem(c))}</ul>
    <p id="live-empty" class="empty"${v.liveCalls.length ? html` hidden` : ''}>No calls in progress.</p>
  </section>
  </div>
  <div>
  <section class="card" aria-labelledby="oncall-heading">
    <h2 id="oncall-heading">On call now</h2>
    ${onCallList(v.onCall)}
    ${
      v.next
        ? html`<h3>Next, ${relative(v.next.at, v.at)} <span class="muted small">(${dateTime(v.next.at)})</span></h3>${onCallList(v.next.levels)}`
        : html`<p class="muted">No changes to the rota are planned.</p>`
    }
    <p><a href="/console/rota">The rota</a></p>
  </section>
  ${
    engineer
      ? ''
      : html`<section class="card" aria-labelledby="feed-heading">
    <h2 id="feed-heading">Alerts</h2>
    <ul id="feed" class="feed" aria-live="polite">${v.feed.map(
      (f) => html`<li class="feed-${f.kind}"><time datetime="${f.at.toISOString()}">${clockTime(f.at)}</time>
        ${f.reference ? html`<a href="/console/tickets/${f.reference}">${f.reference}</a>` : ''} <span>${f.text}</span></li>`,
    )}</ul>
    <p id="feed-empty" class="empty"${v.feed.length ? html` hidden` : ''}>No SLA warnings or breaches yet.</p>
  </section>`
  }
  </div>
</div>`,
  });
}
