// Service credits: the month's statement per account (which tickets, which targets,
// how much) with the CSV for billing, and the rules per tier (admins edit them).
import { pounds, type CreditRule } from '../../../domain/sla/credits.ts';
import type { CreditStatement } from '../../../store/credits.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { statementText } from '../../api/credits.ts';
import { dateTime, monthLabel, word } from '../format.ts';
import { html, type Html } from '../html.ts';
import { csrfField, page } from '../layout.ts';

const ruleText = (r: CreditRule | undefined) =>
  !r
    ? 'no rule: breaches are counted, not priced'
    : `${r.basis === 'percent' ? `${r.percent}% of the monthly fee` : pounds(r.amountPence ?? 0)} per breach${
        r.monthlyCapPercent ? `, at most ${r.monthlyCapPercent}% of the fee a month` : ''
      }`;

export function creditsPage(
  auth: SessionUser,
  opts: { month: string; statements: CreditStatement[]; rules: CreditRule[]; tiers: readonly string[]; error?: string | null; flash?: string | null },
): Html {
  const admin = auth.user.role === 'admin';
  const total = opts.statements.reduce((sum, s) => sum + (s.amount.totalPence ?? 0), 0);
  return page({
    title: `Service credits ${opts.month}`,
    active: 'reports',
    auth,
    flash: opts.flash ? { kind: 'ok', text: opts.flash } : null,
    body: html`<p class="crumbs"><a href="/console/reports">Reports</a> › service credits</p>
<div class="page-head">
  <h1>Service credits, ${monthLabel(opts.month)}</h1>
  <a class="button" href="/console/reports/credits.csv?month=${opts.month}" download>Download CSV for billing</a>
</div>
<form method="get" action="/console/reports/credits" class="filters" aria-label="Choose a month">
  <div class="field"><label for="c-month">Month</label><input id="c-month" name="month" type="month" value="${opts.month}" required></div>
  <div class="field actions"><button type="submit" class="primary">Show</button></div>
</form>
${opts.error ? html`<p class="flash flash-error" role="alert">${opts.error}</p>` : ''}
<section class="card" aria-labelledby="statements-heading">
  <h2 id="statements-heading">Statements <span class="count">${opts.statements.length}</span></h2>
  ${
    opts.statements.length
      ? html`<p>Credits due this month: <strong id="credits-total">${pounds(total)}</strong> <span class="muted">(before VAT)</span></p>
  ${opts.statements.map(
    (s) => html`<article class="statement">
    <h3>${s.account ? html`${s.account.name} <span class="muted">#${s.account.number}</span>` : '(no account)'} · ${s.tier}</h3>
    <p>${statementText(s)}${s.monthlyFeePence !== null ? html` <span class="muted">· monthly fee ${pounds(s.monthlyFeePence)}</span>` : ''}</p>
    <div class="table-wrap"><table class="responsive">
      <thead><tr><th scope="col">Ticket</th><th scope="col">Target</th><th scope="col">Was due</th><th scope="col">Breached</th></tr></thead>
      <tbody>${s.lines.map(
        (l) => html`<tr><td data-label="Ticket"><a href="/console/tickets/${l.reference}">${l.reference}</a></td>
        <td data-label="Target">${word(l.target)}</td><td data-label="Was due">${dateTime(l.dueAt)}</td><td data-label="Breached">${dateTime(l.breachedAt)}</td></tr>`,
      )}</tbody>
    </table></div>
  </article>`,
  )}`
      : html`<p class="empty">No breach earned a service credit in ${monthLabel(opts.month)}.</p>`
  }
</section>
<section class="card" aria-labelledby="rules-heading">
  <h2 id="rules-heading">Rules</h2>
  <dl class="facts">${opts.tiers.map((t) => html`<dt>${t}</dt><dd>${ruleText(opts.rules.find((r) => r.tier === t))}</dd>`)}</dl>
  ${
    admin
      ? html`<form method="post" action="/console/reports/credit-rules" class="filters" aria-label="Set a tier's rule">
    ${csrfField(auth)}
    <div class="field"><label for="r-tier">Tier</label><select id="r-tier" name="tier">${opts.tiers.map((t) => html`<option>${t}</option>`)}</select></div>
    <div class="field"><label for="r-basis">Basis</label><select id="r-basis" name="basis"><option value="percent">% of monthly fee</option><option value="fixed">fixed sum (pence)</option></select></div>
    <div class="field"><label for="r-value">Per breach (% or pence)</label><input id="r-value" name="value" inputmode="decimal" required></div>
    <div class="field"><label for="r-cap">Monthly cap (% of fee, optional)</label><input id="r-cap" name="monthlyCapPercent" inputmode="decimal"></div>
    <div class="field actions"><button type="submit" class="primary">Save rule</button></div>
  </form>`
      : ''
  }
</section>`,
  });
}
