// An SLA timer as a person reads it: its state now (met, running, paused, warning,
// breached) and how long is left or how late it is. Pure; the page and the script
// share the wording.
import type { Html } from './html.ts';
import { html } from './html.ts';
import { dateTime, duration, word } from './format.ts';

export type TimerView = 'met' | 'running' | 'paused' | 'warning' | 'breached' | 'pending' | 'cancelled';

export interface TimerLike {
  state: string;
  dueAt: Date | null;
  warnAt: Date | null;
  warnedAt?: Date | null;
  metAt?: Date | null;
  breachedAt?: Date | null;
}

/** The state a supervisor should see at `now` (a running timer past due is breached, even before the watcher says so). */
export function timerView(t: TimerLike, now: Date): TimerView {
  switch (t.state) {
    case 'met':
    case 'paused':
    case 'breached':
    case 'pending':
    case 'cancelled':
      return t.state;
    case 'running':
      if (t.dueAt && t.dueAt <= now) return 'breached';
      if (t.warnedAt || (t.warnAt && t.warnAt <= now)) return 'warning';
      return 'running';
    default:
      return 'running';
  }
}

export function stateBadge(state: string | null): Html {
  if (!state) return html`<span class="badge badge-none">—</span>`;
  return html`<span class="badge badge-${state}">${word(state)}</span>`;
}

/** "due in 1h 05m" ticking in the browser, or what became of the timer. */
export function countdown(t: TimerLike, now: Date): Html {
  const view = timerView(t, now);
  if ((view === 'running' || view === 'warning' || view === 'breached') && t.dueAt) {
    const left = t.dueAt.getTime() - now.getTime();
    return html`<time class="countdown" datetime="${t.dueAt.toISOString()}" data-countdown="${t.dueAt.toISOString()}"
      title="Due ${dateTime(t.dueAt)}">${left >= 0 ? `due in ${duration(left)}` : `${duration(left)} overdue`}</time>`;
  }
  if (view === 'met') return html`<span>met${t.metAt ? html` ${dateTime(t.metAt)}` : ''}</span>`;
  if (view === 'paused') return html`<span>paused${t.dueAt ? html` (was due ${dateTime(t.dueAt)})` : ''}</span>`;
  if (view === 'pending') return html`<span>not started</span>`;
  return html`<span>—</span>`;
}
