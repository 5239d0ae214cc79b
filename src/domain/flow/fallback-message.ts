// A message the dialplan took itself, when the line's application was not connected
// (dialplan/extensions.conf names it `support-line/fallback-<UTC time>-<caller's number>`).
// It is logged as the line logs a message from a caller who never signed in: a call, a
// message ticket with no account, and the recording on it.
import { initialState } from './transition.ts';
import { newTicket } from './tickets.ts';
import type { CarrierName, ClosureWindow, NewTicket } from './types.ts';
import type { Division } from '../calendar/bank-holidays.ts';

export const FALLBACK_RECORDING_PREFIX = 'support-line/fallback-';

const NAME = /^support-line\/fallback-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z-(\+?\d{0,20})$/;

/** When the message was left and from which number (empty when withheld), or null for any other recording. */
export function parseFallbackRecording(name: string): { at: Date; from: string } | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, from] = m;
  const at = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}Z`);
  return Number.isNaN(at.getTime()) ? null : { at, from: from ?? '' };
}

export function fallbackMessageTicket(input: {
  callId: string;
  carrier: CarrierName;
  from: string;
  at: Date;
  division: Division;
  closures: ClosureWindow[];
}): NewTicket {
  const state = initialState(
    { type: 'started', callId: input.callId, carrier: input.carrier, from: input.from, to: '', division: input.division, closures: input.closures },
    input.at,
  );
  const ticket = newTicket({ ...state, route: 'voicemail' }, 'message', 'voicemail');
  return { ...ticket, summary: `Message left with the dialplan while the line was not connected, from ${input.from || 'a withheld number'}` };
}
