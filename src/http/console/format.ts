// How the console writes times, durations and the line's vocabulary for people:
// UK local time, plain words, no raw enum values on the page.
import { DateTime } from 'luxon';

export const ZONE = 'Europe/London';

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: '2-digit',
  minute: '2-digit',
});
const DATE_TIME_YEAR = new Intl.DateTimeFormat('en-GB', {
  timeZone: ZONE,
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const MONTH = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, month: 'long', year: 'numeric' });
const TIME = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, hour: '2-digit', minute: '2-digit', second: '2-digit' });
const DAY = new Intl.DateTimeFormat('en-GB', { timeZone: ZONE, weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' });

/** "Sat 21 Nov, 03:00". */
export function dateTime(d: Date | null | undefined): string {
  return d ? DATE_TIME.format(d) : '—';
}

/** "Sat 2 Jan 2027, 09:00": when the year matters (a closure over New Year). */
export function dateTimeYear(d: Date): string {
  return DATE_TIME_YEAR.format(d);
}

/** `2026-11` → "November 2026". */
export function monthLabel(month: string): string {
  return MONTH.format(new Date(`${month}-15T12:00:00Z`));
}

/** "england-and-wales" → "England and Wales". */
export function divisionName(division: string): string {
  return { 'england-and-wales': 'England and Wales', scotland: 'Scotland', 'northern-ireland': 'Northern Ireland' }[division] ?? division;
}

const ROLE_WORDS: Record<string, string> = { admin: 'Admin', supervisor: 'Supervisor', engineer: 'Engineer' };

/** A console role, for people (not the "engineer" outcome of a call). */
export function roleWord(role: string): string {
  return ROLE_WORDS[role] ?? role;
}

/** "03:00:04". */
export function clockTime(d: Date | null | undefined): string {
  return d ? TIME.format(d) : '—';
}

/** "Sat 21 Nov 2026". */
export function day(d: Date): string {
  return DAY.format(d);
}

/** The UK calendar date of an instant, `YYYY-MM-DD`. */
export function localDate(d: Date): string {
  return DateTime.fromJSDate(d, { zone: ZONE }).toISODate()!;
}

/** Midnight UK time at the start of a `YYYY-MM-DD` day. */
export function startOfLocalDay(date: string): Date {
  return DateTime.fromISO(date, { zone: ZONE }).startOf('day').toJSDate();
}

/** `YYYY-MM-DDTHH:mm` in UK time, for a datetime-local input's value. */
export function localInputValue(d: Date): string {
  return DateTime.fromJSDate(d, { zone: ZONE }).toFormat("yyyy-MM-dd'T'HH:mm");
}

/** "2h 05m", "3d 4h", "45s"; never negative (the sign is the caller's business). */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return `${d}d ${h}h`;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}

/** "in 2h 05m" / "4m 10s ago". */
export function relative(at: Date, now: Date): string {
  const ms = at.getTime() - now.getTime();
  return ms >= 0 ? `in ${duration(ms)}` : `${duration(ms)} ago`;
}

const WORDS: Record<string, string> = {
  // carriers
  asterisk: 'Asterisk',
  twilio: 'Twilio',
  cli: 'Simulated',
  // routes
  desk: 'Desk',
  oncall: 'On-call engineer',
  voicemail: 'Voicemail',
  // outcomes
  engineer: 'Engineer took it',
  message: 'Message taken',
  informed: 'Caller informed',
  abandoned: 'Caller hung up',
  refused: 'Refused',
  // ticket statuses
  new: 'New',
  acknowledged: 'Acknowledged',
  waiting_on_customer: 'Waiting on customer',
  onsite_decided: 'On-site decided',
  onsite: 'On site',
  resolved: 'Resolved',
  closed: 'Closed',
  caller_abandoned: 'Caller abandoned',
  // SLA targets
  response: 'Response',
  resolution: 'Resolution',
  complaint_ack: 'Complaint acknowledgement',
  complaint_escalation: 'Complaint escalation',
  complaint_resolution: 'Complaint resolution',
  adr_notice: 'ADR notice',
  // timer states
  running: 'Running',
  paused: 'Paused',
  met: 'Met',
  breached: 'Breached',
  warning: 'Warning',
  pending: 'Not started',
  cancelled: 'Cancelled',
  // rota levels
  primary: 'Primary',
  secondary: 'Secondary',
  manager: 'Escalation manager',
  // menu
  fault: 'Fault',
  status: 'Ticket status',
  complaint: 'Complaint',
  billing: 'Billing',
  critical: 'Critical',
  standard: 'Standard',
};

/** The word a person reads for one of the line's values ("oncall" → "On-call engineer"). */
export function word(value: string | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  if (value === 'desk') return 'Desk';
  return WORDS[value] ?? value.replace(/[_-]/g, ' ');
}

/** Outcome words differ from route words for "desk". */
export function outcomeWord(value: string | null | undefined): string {
  if (value === 'desk') return 'Put through to desk';
  if (value === null || value === undefined) return 'In progress';
  return word(value);
}
