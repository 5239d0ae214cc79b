// Charts drawn on the server as inline SVG: no script, no library, nothing from
// outside. Colours come from the stylesheet by class, so the CSP needs no inline
// style; each chart has a title and description for screen readers, and the page
// carries the same numbers in a table.
import { html, type Html } from './html.ts';

export interface MetBreachedBar {
  label: string;
  met: number;
  breached: number;
}

const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(1));

/** Horizontal stacked bars, one per row: met (green) then breached (red). */
export function metBreachedChart(id: string, title: string, bars: readonly MetBreachedBar[]): Html {
  const width = 520;
  const labelWidth = 170;
  const barHeight = 24;
  const gap = 10;
  const top = 28;
  const height = top + bars.length * (barHeight + gap) + 10;
  const max = Math.max(1, ...bars.map((b) => b.met + b.breached));
  const scale = (width - labelWidth - 60) / max;
  const desc = bars.map((b) => `${b.label}: ${b.met} met, ${b.breached} breached`).join('; ');
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMinYMin meet">
  <title id="${id}-title">${title}</title>
  <desc id="${id}-desc">${desc || 'No targets decided.'}</desc>
  <g class="legend" transform="translate(${labelWidth},2)">
    <rect class="met" width="14" height="14"></rect><text x="20" y="12">met</text>
    <rect class="breached" x="70" width="14" height="14"></rect><text x="90" y="12">breached</text>
  </g>
  ${bars.map((b, i) => {
    const y = top + i * (barHeight + gap);
    const metW = b.met * scale;
    const brW = b.breached * scale;
    return html`<g transform="translate(0,${y})">
    <text class="label" x="${labelWidth - 8}" y="${barHeight / 2 + 5}" text-anchor="end">${truncate(b.label, 20)}</text>
    <rect class="met" x="${labelWidth}" width="${metW.toFixed(1)}" height="${barHeight}"></rect>
    <rect class="breached" x="${(labelWidth + metW).toFixed(1)}" width="${brW.toFixed(1)}" height="${barHeight}"></rect>
    <text class="value" x="${(labelWidth + metW + brW + 6).toFixed(1)}" y="${barHeight / 2 + 5}">${b.met}/${b.met + b.breached}</text>
  </g>`;
  })}
</svg>`;
}

export interface HistogramBucket {
  label: string;
  count: number;
  /** Shown instead of the count (e.g. "—" for a month with nothing to measure). */
  text?: string;
}

/** Vertical bars, one per bucket, with the count above each. */
export function histogramChart(id: string, title: string, buckets: readonly HistogramBucket[]): Html {
  const width = 520;
  const height = 260;
  const left = 36;
  const bottom = 40;
  const top = 20;
  const plotH = height - bottom - top;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const slot = (width - left - 10) / Math.max(1, buckets.length);
  const barW = slot * 0.7;
  const desc = buckets.map((b) => `${b.label}: ${b.text ?? b.count}`).join('; ');
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMinYMin meet">
  <title id="${id}-title">${title}</title>
  <desc id="${id}-desc">${desc}</desc>
  <line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}"></line>
  ${buckets.map((b, i) => {
    const h = (b.count / max) * plotH;
    const x = left + i * slot + (slot - barW) / 2;
    return html`<g>
    <rect class="bar" x="${x.toFixed(1)}" y="${(top + plotH - h).toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"></rect>
    <text class="value" x="${(x + barW / 2).toFixed(1)}" y="${(top + plotH - h - 5).toFixed(1)}" text-anchor="middle">${b.text ?? fmt(b.count)}</text>
    <text class="label axis-label" x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${b.label}</text>
  </g>`;
  })}
</svg>`;
}

export interface StackSeries {
  key: string;
  label: string;
  /** A class the stylesheet colours (`s1`…`s6`). */
  cls: string;
}

/** Vertical stacked bars, one per month, with the month's total above each. */
export function stackedMonthsChart(
  id: string,
  title: string,
  months: readonly { label: string; values: Readonly<Record<string, number>> }[],
  series: readonly StackSeries[],
): Html {
  const width = 560;
  const height = 280;
  const left = 36;
  const bottom = 40;
  const top = 44;
  const plotH = height - bottom - top;
  const totals = months.map((m) => series.reduce((sum, s) => sum + (m.values[s.key] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = (width - left - 10) / Math.max(1, months.length);
  const barW = slot * 0.7;
  const desc = months
    .map((m, i) => `${m.label}: ${totals[i]} (${series.map((s) => `${s.label} ${m.values[s.key] ?? 0}`).join(', ')})`)
    .join('; ');
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${width} ${height}" role="img" aria-labelledby="${id}-title ${id}-desc" preserveAspectRatio="xMinYMin meet">
  <title id="${id}-title">${title}</title>
  <desc id="${id}-desc">${desc}</desc>
  <g class="legend">${series.map(
    (s, i) => html`<g transform="translate(${left + (i % 3) * 175},${2 + Math.floor(i / 3) * 18})"><rect class="${s.cls}" width="14" height="14"></rect><text x="20" y="12">${s.label}</text></g>`,
  )}</g>
  <line class="axis" x1="${left}" y1="${top + plotH}" x2="${width - 10}" y2="${top + plotH}"></line>
  ${months.map((m, i) => {
    const x = left + i * slot + (slot - barW) / 2;
    let y = top + plotH;
    const parts = series.map((s) => {
      const h = ((m.values[s.key] ?? 0) / max) * plotH;
      y -= h;
      return html`<rect class="${s.cls}" x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${barW.toFixed(1)}" height="${h.toFixed(1)}"></rect>`;
    });
    return html`<g>${parts}
    <text class="value" x="${(x + barW / 2).toFixed(1)}" y="${(y - 5).toFixed(1)}" text-anchor="middle">${totals[i]}</text>
    <text class="label axis-label" x="${(x + barW / 2).toFixed(1)}" y="${top + plotH + 18}" text-anchor="middle">${m.label}</text>
  </g>`;
  })}
</svg>`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
