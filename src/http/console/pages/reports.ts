// Reports: monthly SLA performance per account and overall — met against breached
// and the spread of response times, drawn as SVG on the server — with the CSV.
import type { SlaReportRow } from '../../../store/reports.ts';
import type { SessionUser } from '../../../store/sessions.ts';
import { histogramChart, metBreachedChart } from '../charts.ts';
import { monthLabel } from '../format.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';

const pct = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);
const mins = (m: number | null) => (m === null ? '—' : m >= 120 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`);

export function reportsPage(
  auth: SessionUser,
  opts: { month: string; rows: SlaReportRow[]; histogram: { label: string; count: number }[]; error?: string | null },
): Html {
  const overall = opts.rows.find((r) => r.overall) ?? null;
  const accounts = opts.rows.filter((r) => !r.overall);
  const bars = [
    ...(overall ? [{ label: 'All accounts', met: overall.met, breached: overall.breached }] : []),
    ...accounts.map((r) => ({ label: r.account?.name ?? '(no account)', met: r.met, breached: r.breached })),
  ];
  return page({
    title: `Reports ${opts.month}`,
    active: 'reports',
    auth,
    body: html`<div class="page-head">
  <h1>SLA report</h1>
  <div class="button-row">
    <a class="button" href="/console/reports/trends?to=${opts.month}">Twelve-month trends</a>
    <a class="button" href="/console/reports/credits?month=${opts.month}">Service credits</a>
    <a class="button" href="/console/reports.csv?month=${opts.month}" download>Download CSV</a>
  </div>
</div>
<form method="get" action="/console/reports" class="filters" aria-label="Choose a month">
  <div class="field"><label for="r-month">Month</label><input id="r-month" name="month" type="month" value="${opts.month}" required></div>
  <div class="field actions"><button type="submit" class="primary">Show</button></div>
</form>
${opts.error ? html`<p class="flash flash-error" role="alert">${opts.error}</p>` : ''}
${
  overall
    ? html`<section class="card" aria-labelledby="summary-heading">
  <h2 id="summary-heading">${monthLabel(opts.month)}, all accounts</h2>
  <dl class="stats">
    <div><dt>Tickets</dt><dd>${overall.tickets}</dd></div>
    <div><dt>Targets met</dt><dd>${pct(overall.shareMet)}</dd></div>
    <div><dt>Breached</dt><dd>${overall.breached}</dd></div>
    <div><dt>Median response</dt><dd>${mins(overall.responseMedianMinutes)}</dd></div>
    <div><dt>90% responded within</dt><dd>${mins(overall.responseP90Minutes)}</dd></div>
    <div><dt>Service credits</dt><dd>${overall.serviceCredits}</dd></div>
  </dl>
</section>
<div class="grid two">
  <section class="card" aria-labelledby="mb-heading">
    <h2 id="mb-heading">Targets met and breached</h2>
    ${metBreachedChart('chart-met', `SLA targets met and breached, ${monthLabel(opts.month)}`, bars)}
  </section>
  <section class="card" aria-labelledby="rt-heading">
    <h2 id="rt-heading">Time to first response</h2>
    ${histogramChart('chart-response', `Tickets by time to first response, ${monthLabel(opts.month)}`, opts.histogram)}
  </section>
</div>
<section class="card" aria-labelledby="table-heading">
  <h2 id="table-heading">By account</h2>
  <div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Account</th><th scope="col">Tickets</th><th scope="col">Met</th><th scope="col">Breached</th><th scope="col">Share met</th><th scope="col">Median response</th><th scope="col">90th percentile</th><th scope="col">Service credits</th></tr></thead>
    <tbody>${[...accounts, overall].map(
      (r) => html`<tr${r.overall ? html` class="total"` : ''}>
      <th scope="row" data-label="Account">${r.overall ? 'All accounts' : (r.account ? html`${r.account.name} <span class="muted">#${r.account.number}</span>` : '(no account)')}</th>
      <td data-label="Tickets">${r.tickets}</td><td data-label="Met">${r.met}</td><td data-label="Breached">${r.breached}</td>
      <td data-label="Share met">${pct(r.shareMet)}</td><td data-label="Median response">${mins(r.responseMedianMinutes)}</td>
      <td data-label="90th percentile">${mins(r.responseP90Minutes)}</td><td data-label="Service credits">${r.serviceCredits}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`
    : opts.error
      ? ''
      : html`<p class="empty">No tickets were opened in ${monthLabel(opts.month)}.</p>`
}`,
  });
}
