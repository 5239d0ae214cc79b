// One call: what happened, step by step, who was rung and who picked up, the
// voicemail when there is one, and the ticket it raised.
import type { SessionUser } from '../../../store/sessions.ts';
import type { CallDetail } from '../../api/calls.ts';
import { clockTime, dateTime, duration, outcomeWord, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';
import { customerCard } from '../customer-card.ts';
import { countdown, stateBadge, timerView } from '../sla-view.ts';
import { legOutcomeText, type EntryKind } from '../timeline-view.ts';

const KIND_LABEL: Record<EntryKind, string> = {
  call: 'Call',
  prompt: 'Prompt',
  keys: 'Keys',
  routing: 'Routing',
  engineer: 'Engineer',
  desk: 'Desk',
  ticket: 'Ticket',
  message: 'Message',
  carrier: 'Carrier',
};

function voicemail(d: CallDetail): Html {
  if (d.recording.kind === 'none') return html``;
  const src = `/console/calls/${d.call.id}/recording`;
  return html`<section class="card" aria-labelledby="vm-heading">
  <h2 id="vm-heading">Voicemail</h2>
  ${
    d.recording.kind === 'fetch'
      ? html`<audio controls preload="none" src="${src}" aria-label="Voicemail from ${d.row.accountName ?? d.call.from}"></audio>`
      : html`<audio controls preload="none" aria-label="Voicemail (not available here)" aria-describedby="vm-note"></audio>
  <p class="muted" id="vm-note">${d.recording.note}</p>`
  }
</section>`;
}

export function callDetailPage(auth: SessionUser, d: CallDetail, now: Date): Html {
  const c = d.call;
  const r = d.row;
  const lasted = c.endedAt ? duration(c.endedAt.getTime() - c.startedAt.getTime()) : null;
  return page({
    title: `Call ${dateTime(c.startedAt)}`,
    active: 'calls',
    auth,
    body: html`<p class="crumbs"><a href="/console/calls">Calls</a> › this call</p>
<h1>${r.accountName ?? c.from} <span class="muted">${dateTime(c.startedAt)}</span></h1>
<div class="grid">
  <section class="card span-2" aria-labelledby="facts-heading">
    <h2 id="facts-heading">The call</h2>
    <dl class="facts">
      <dt>Caller</dt><dd>${c.from}${r.accountNumber ? html` · account ${r.accountNumber}` : ''}</dd>
      <dt>Dialled</dt><dd>${c.to || '—'}</dd>
      <dt>Carrier</dt><dd>${word(c.carrier)}</dd>
      <dt>Started</dt><dd>${dateTime(c.startedAt)}</dd>
      <dt>Ended</dt><dd>${c.endedAt ? html`${clockTime(c.endedAt)} <span class="muted">(${lasted})</span>` : html`<span class="badge badge-running">in progress</span>`}</dd>
      <dt>Tier</dt><dd>${c.tier ?? '—'}${c.priority ? html` · ${word(c.priority)}` : ''}</dd>
      <dt>Asked about</dt><dd>${word(c.menu)}</dd>
      <dt>Route</dt><dd>${word(c.route)}${c.routeReason ? html` <span class="muted">— ${c.routeReason}</span>` : ''}</dd>
      <dt>Outcome</dt><dd>${outcomeWord(c.outcome)}${c.endReason ? html` <span class="muted">(${c.endReason.replace(/-/g, ' ')})</span>` : ''}</dd>
      ${c.escalationFailed ? html`<dt>Escalation</dt><dd><span class="badge badge-breached">failed: nobody accepted</span></dd>` : ''}
    </dl>
  </section>
  <section class="card" aria-labelledby="ticket-heading">
    <h2 id="ticket-heading">Ticket</h2>
    ${
      d.ticket
        ? html`<p><a href="/console/tickets/${d.ticket.reference}"><strong>${d.ticket.reference}</strong></a> · ${word(d.ticket.kind)} · ${word(d.ticket.status)}</p>
    <ul class="timers">${d.ticket.timers.map(
      (t) => html`<li>${word(t.target)} ${stateBadge(timerView(t, now))} ${countdown(t, now)}</li>`,
    )}</ul>`
        : html`<p class="muted">This call did not raise a ticket.</p>`
    }
  </section>
</div>
${customerCard(d.customer.customer, d.customer.callerNumber)}
${voicemail(d)}
<section class="card" aria-labelledby="legs-heading">
  <h2 id="legs-heading">Engineers rung</h2>
  ${
    d.view.legs.length
      ? html`<div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Engineer</th><th scope="col">Level</th><th scope="col">Rung</th><th scope="col">Answered</th><th scope="col">Result</th><th scope="col">Bridged</th></tr></thead>
    <tbody>${d.view.legs.map(
      (l) => html`<tr>
      <td data-label="Engineer">${l.name}</td>
      <td data-label="Level">${word(l.level)}</td>
      <td data-label="Rung">${clockTime(l.rungAt)}</td>
      <td data-label="Answered">${l.answeredAt ? clockTime(l.answeredAt) : '—'}</td>
      <td data-label="Result"><span class="leg leg-${l.outcome ?? 'ringing'}">${legOutcomeText(l.outcome)}</span></td>
      <td data-label="Bridged">${l.bridgedAt ? clockTime(l.bridgedAt) : '—'}</td>
    </tr>`,
    )}</tbody></table></div>`
      : html`<p class="muted">No engineer was rung.</p>`
  }
</section>
<section class="card" aria-labelledby="timeline-heading">
  <h2 id="timeline-heading">Timeline</h2>
  <ol class="timeline">${d.view.lines.map(
    (l) => html`<li class="tl tl-${l.kind}">
    <time datetime="${l.at.toISOString()}">${clockTime(l.at)}</time>
    <span class="tl-kind">${KIND_LABEL[l.kind]}</span>
    <span class="tl-text">${l.text}</span>
  </li>`,
  )}</ol>
</section>`,
  });
}
