// Trends: twelve months of calls, answers, response times, breaches and credits, drawn
// on the server, with every number in a table below and a CSV to take away.
import type { SessionUser } from '../../../store/sessions.ts';
import { CREDIT_TIERS, type TrendMonth } from '../../../store/trends.ts';
import { stackedMonthsChart, histogramChart, type StackSeries } from '../charts.ts';
import { monthLabel, outcomeWord } from '../format.ts';
import { html, type Html } from '../html.ts';
import { page } from '../layout.ts';

const pct = (share: number | null) => (share === null ? '—' : `${(share * 100).toFixed(1)}%`);
const mins = (m: number | null) => (m === null ? '—' : m >= 120 ? `${(m / 60).toFixed(1)} h` : `${Math.round(m)} min`);
/** "Nov": twelve labels must fit under twelve bars; the years are in the title. */
const short = (month: string) => monthLabel(month).slice(0, 3);

const OUTCOME_SERIES: StackSeries[] = [
  { key: 'desk', label: outcomeWord('desk'), cls: 's1' },
  { key: 'engineer', label: outcomeWord('engineer'), cls: 's2' },
  { key: 'message', label: outcomeWord('message'), cls: 's3' },
  { key: 'informed', label: outcomeWord('informed'), cls: 's4' },
  { key: 'abandoned', label: outcomeWord('abandoned'), cls: 's5' },
  { key: 'refused', label: outcomeWord('refused'), cls: 's6' },
];

export function trendsPage(auth: SessionUser, opts: { to: string; months: TrendMonth[]; error?: string | null }): Html {
  const first = opts.months[0]?.month ?? opts.to;
  const span = `${monthLabel(first)} to ${monthLabel(opts.to)}`;
  return page({
    title: `Trends to ${opts.to}`,
    active: 'reports',
    auth,
    body: html`<p class="crumbs"><a href="/console/reports">Reports</a> › trends</p>
<div class="page-head">
  <h1>Trends, ${span}</h1>
  <a class="button" href="/console/reports/trends.csv?to=${opts.to}" download>Download CSV</a>
</div>
<form method="get" action="/console/reports/trends" class="filters" aria-label="Choose the last month">
  <div class="field"><label for="t-to">Up to</label><input id="t-to" name="to" type="month" value="${opts.to}" required></div>
  <div class="field actions"><button type="submit" class="primary">Show</button></div>
</form>
${opts.error ? html`<p class="flash flash-error" role="alert">${opts.error}</p>` : ''}
<div class="grid two">
  <section class="card" aria-labelledby="calls-heading">
    <h2 id="calls-heading">Calls by outcome</h2>
    ${stackedMonthsChart(
      'chart-calls',
      `Calls by outcome each month, ${span}`,
      opts.months.map((m) => ({ label: short(m.month), values: m.byOutcome })),
      OUTCOME_SERIES,
    )}
  </section>
  <section class="card" aria-labelledby="met-heading">
    <h2 id="met-heading">Response target met</h2>
    ${histogramChart(
      'chart-met',
      `Share of response targets met each month (per cent), ${span}`,
      opts.months.map((m) =>
        m.responseMetShare === null
          ? { label: short(m.month), count: 0, text: '—' }
          : { label: short(m.month), count: Math.round(m.responseMetShare * 1000) / 10 },
      ),
    )}
  </section>
</div>
<section class="card" aria-labelledby="trend-table-heading">
  <h2 id="trend-table-heading">Month by month</h2>
  <div class="table-wrap"><table class="responsive">
    <thead><tr><th scope="col">Month</th><th scope="col">Calls</th><th scope="col">Desk / on-call / message</th><th scope="col">Answered live</th>
      <th scope="col">Response met</th><th scope="col">Median response</th><th scope="col">90th percentile</th>
      <th scope="col">Breaches (credits)</th></tr></thead>
    <tbody>${opts.months.map(
      (m) => html`<tr>
      <th scope="row" data-label="Month">${monthLabel(m.month)}</th>
      <td data-label="Calls">${m.calls}</td>
      <td data-label="Routes">${m.byRoute.desk} / ${m.byRoute.oncall} / ${m.byRoute.voicemail}</td>
      <td data-label="Answered live">${pct(m.answeredLiveShare)}</td>
      <td data-label="Response met">${pct(m.responseMetShare)} <span class="muted">(${m.responseMet}/${m.responseMet + m.responseBreached})</span></td>
      <td data-label="Median response">${mins(m.responseMedianMinutes)}</td>
      <td data-label="90th percentile">${mins(m.responseP90Minutes)}</td>
      <td data-label="Breaches (credits)">${CREDIT_TIERS.map((t, i) => html`${i ? ' · ' : ''}<span class="nowrap">${t} ${m.byTier[t]?.breaches ?? 0} (${m.byTier[t]?.credits ?? 0})</span>`)}</td>
    </tr>`,
    )}</tbody>
  </table></div>
</section>`,
  });
}
