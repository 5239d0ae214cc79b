// Where announcements fall in a call. Right after the greeting every caller hears the
// ones that need no identity (for everyone, or for the number they dialled), so a
// caller who never gets through the PIN still hears them. Announcements scoped to
// accounts or a service wait until the PIN is accepted: caller ID alone is not proof
// of whose account it is. The offer to join an incident comes after the PIN too: the
// ticket that joins it is the caller's account's.
import { hears, needsIdentity, type AnnouncementView } from '../announcements/rules.ts';
import { prompt, type Segment } from '../prompts.ts';
import type { FlowState } from './types.ts';

/** The words of one announcement: its text on Twilio, the sound rendered when posted on Asterisk. */
export function announcementSpeech(a: AnnouncementView): Segment {
  return {
    type: 'text',
    value: a.message,
    fallback: a.sound ? [{ type: 'sound', name: a.sound }] : [prompt('announcement-fallback')],
  };
}

/** The number the caller dialled, as the call service read it (E.164); the carrier's raw `to` in a session saved before. */
function dialledNumber(state: FlowState): string | null {
  return state.dialled?.number ?? (state.to === '' ? null : state.to);
}

/** Announcements to say now that the caller has not heard yet. */
export function dueAnnouncements(state: FlowState, now: Date, identified: boolean): AnnouncementView[] {
  const heard = new Set(state.announced ?? []);
  const who = {
    accountId: identified ? (state.account?.accountId ?? null) : null,
    services: identified ? (state.account?.services ?? null) : null,
    dialled: dialledNumber(state),
  };
  return (state.announcements ?? []).filter((a) => !heard.has(a.id) && (identified || !needsIdentity(a)) && hears(a, who, now));
}

/** The incident an identified caller may join: the first heard announcement (still live for them) linked to one. */
export function joinableIncident(state: FlowState, now: Date): string | null {
  const heard = new Set(state.announced ?? []);
  const who = { accountId: state.account?.accountId ?? null, services: state.account?.services ?? null, dialled: dialledNumber(state) };
  const found = (state.announcements ?? []).find((a) => heard.has(a.id) && a.incidentId !== null && hears(a, who, now));
  return found?.incidentId ?? null;
}

export function markHeard(state: FlowState, said: readonly AnnouncementView[]): FlowState {
  return said.length === 0 ? state : { ...state, announced: [...(state.announced ?? []), ...said.map((a) => a.id)] };
}
