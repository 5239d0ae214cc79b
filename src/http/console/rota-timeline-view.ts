// The rota drawn as a timeline (server-drawn SVG: the page's CSP allows no inline
// style, and attributes position shapes without it): a column per UK day, a lane per
// level, each stretch of cover named, overrides marked, and every gap in primary
// (Cat4) cover a red block labelled with its start and end. The lanes carry their
// window in data attributes so the optional script can turn a drag into the
// override form's values.
import type { RotaLevel } from '../../domain/escalation.ts';
import type { CoverGap } from '../../domain/rota-gaps.ts';
import type { RotaView } from '../api/rota.ts';
import { localDate, startOfLocalDay, word } from './format.ts';
import { html, type Html } from './html.ts';

/** The console's words for the levels (the manager is also the duty manager alerts go to, unless DUTY_MANAGER_PHONE is set). */
export const LEVEL_LABEL: Record<RotaLevel, string> = { primary: word('primary'), secondary: word('secondary'), manager: word('manager') };

const LABEL_W = 150;
const DAY_W = 80;
const HEAD_H = 40;
const LANE_H = 38;
const LANE_GAP = 6;
const GAP_ROW_H = 44;
/** Roughly how wide a character of the lane text is, in viewBox units. */
const CHAR_W = 7.2;

const DAY_HEAD = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', day: '2-digit', month: '2-digit' });
const UK_SHORT = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit' });
const UK_LONG = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', weekday: 'short', day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit' });

/** "25/11 18:00–26/11 08:00": a gap's start and end, UK time. */
export function ukSpan(from: Date, to: Date): string {
  return `${UK_SHORT.format(from).replace(',', '')}–${UK_SHORT.format(to).replace(',', '')}`;
}

/** "Wed 25/11/2026, 18:00". */
export function ukLong(d: Date): string {
  return UK_LONG.format(d);
}

function addDays(date: string, n: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const round = (n: number) => Math.round(n * 10) / 10;

/** The part of `text` that fits in `width`, or an initial, or nothing. */
function fit(text: string, width: number): string {
  if (text.length * CHAR_W + 10 <= width) return text;
  const initials = text.split(/\s+/).map((w) => w[0]).join('');
  return initials.length * CHAR_W + 8 <= width ? initials : '';
}

export function rotaTimeline(v: RotaView): Html {
  const start = v.from.getTime();
  const end = v.to.getTime();
  const plotW = v.days * DAY_W;
  const width = LABEL_W + plotW;
  const lanesTop = HEAD_H;
  const gapRowTop = lanesTop + v.lanes.length * (LANE_H + LANE_GAP);
  const height = gapRowTop + GAP_ROW_H;
  const x = (d: Date) => round(LABEL_W + ((Math.min(Math.max(d.getTime(), start), end) - start) / (end - start)) * plotW);
  const first = localDate(v.from);
  const days = Array.from({ length: v.days }, (_, i) => startOfLocalDay(addDays(first, i)));
  const laneY = (i: number) => lanesTop + i * (LANE_H + LANE_GAP);
  const primaryRow = v.lanes.findIndex((l) => l.level === 'primary');

  const gapLabel = (g: CoverGap, i: number) => {
    const label = `No primary ${ukSpan(g.from, g.to)}`;
    const x0 = x(g.from);
    const fitsRight = x0 + label.length * CHAR_W <= width;
    const y = gapRowTop + 16 + (i % 2) * 18;
    return html`<text class="tl-gap-label" x="${fitsRight ? x0 + 2 : x(g.to) - 2}" y="${y}" text-anchor="${fitsRight ? 'start' : 'end'}">${label}</text>`;
  };

  return html`<div class="rota-timeline" tabindex="0" role="region" aria-label="Rota timeline: scroll sideways to see all ${v.days} days">
<svg id="rota-tl" class="rota-tl" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-labelledby="rota-tl-title rota-tl-desc"
  data-from="${start}" data-to="${end}" data-x0="${LABEL_W}" data-x1="${width}">
  <title id="rota-tl-title">Who is on call, ${ukLong(v.from).slice(0, 15)} to ${ukLong(new Date(end - 1)).slice(0, 15)}</title>
  <desc id="rota-tl-desc">${v.lanes.map((l) => `${LEVEL_LABEL[l.level]}: ${l.segments.length ? l.segments.map((s) => `${s.engineers.map((e) => e.name).join(' and ')}${s.override ? ' (override)' : ''} ${ukSpan(s.from, s.to)}`).join('; ') : 'nobody'}. `).join('')}${
    v.windowGaps.length ? `Gaps in Cat4 cover: ${v.windowGaps.map((g) => ukSpan(g.from, g.to)).join('; ')}.` : 'No gaps in Cat4 cover.'
  }</desc>
  ${days.map((d, i) => {
    const dx = x(d);
    const next = i + 1 < days.length ? x(days[i + 1]!) : width;
    const weekend = [0, 6].includes(new Date(d.getTime() + 12 * 3_600_000).getUTCDay());
    return html`<g class="tl-day${weekend ? ' weekend' : ''}">
    <rect class="tl-day-bg" x="${dx}" y="0" width="${round(next - dx)}" height="${gapRowTop}"/>
    <line class="tl-midnight" x1="${dx}" y1="0" x2="${dx}" y2="${height}"/>
    <text class="tl-day-label" x="${round((dx + next) / 2)}" y="24" text-anchor="middle">${DAY_HEAD.format(d).replace(',', '')}</text></g>`;
  })}
  ${v.lanes.map((lane, i) => {
    const y = laneY(i);
    return html`<g class="tl-lane" data-level="${lane.level}">
    <text class="tl-lane-label" x="8" y="${y + LANE_H / 2 + 5}">${LEVEL_LABEL[lane.level]}</text>
    <rect class="tl-lane-bg" x="${LABEL_W}" y="${y}" width="${plotW}" height="${LANE_H}" data-level="${lane.level}"/>
    ${lane.segments.map((s) => {
      const sx = x(s.from);
      const w = round(x(s.to) - sx);
      const names = s.engineers.map((e) => e.name).join(' + ');
      return html`<g class="tl-seg${s.override ? ' override' : ''}"><title>${names}, ${LEVEL_LABEL[lane.level].toLowerCase()}${s.override ? ' (override)' : ''}, ${ukLong(s.from)} to ${ukLong(s.to)}</title>
      <rect x="${sx + 1}" y="${y + 2}" width="${Math.max(1, w - 2)}" height="${LANE_H - 4}" rx="4"/>
      <text x="${sx + 6}" y="${y + LANE_H / 2 + 5}">${fit(names, w)}</text></g>`;
    })}
    ${i === primaryRow
      ? v.windowGaps.map((g) => {
          const gx = x(g.from);
          return html`<g class="tl-gap"><title>No primary on call: ${ukLong(g.from)} to ${ukLong(g.to)}</title>
      <rect x="${gx}" y="${y}" width="${Math.max(2, round(x(g.to) - gx))}" height="${LANE_H}"/></g>`;
        })
      : ''}
    </g>`;
  })}
  <text class="tl-lane-label" x="8" y="${gapRowTop + 16}">Cat4 cover</text>
  ${v.windowGaps.length ? v.windowGaps.map(gapLabel) : html`<text class="tl-ok-label" x="${LABEL_W + 4}" y="${gapRowTop + 16}">A primary is on call throughout</text>`}
  ${v.at.getTime() >= start && v.at.getTime() < end
    ? html`<g class="tl-now"><line x1="${x(v.at)}" y1="${HEAD_H - 8}" x2="${x(v.at)}" y2="${gapRowTop}"/><text x="${x(v.at) + 3}" y="${HEAD_H - 2}">now</text></g>`
    : ''}
  <rect id="rota-tl-selection" class="tl-selection" x="0" y="0" width="0" height="0" hidden/>
</svg></div>`;
}
