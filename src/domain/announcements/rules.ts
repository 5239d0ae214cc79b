// Announcements: what a supervisor tells callers during a known incident or a planned
// maintenance window, and who hears it. Pure: the clock and the caller come in.

export const ANNOUNCEMENT_KINDS = ['incident', 'maintenance'] as const;
export type AnnouncementKind = (typeof ANNOUNCEMENT_KINDS)[number];
export const SERVICES = ['phones', 'broadband'] as const;
export type Service = (typeof SERVICES)[number];

/** Seed 000: planned maintenance windows are announced at least 48 hours ahead. */
export const MAINTENANCE_NOTICE_HOURS = 48;
/** Long enough for two or three sentences; a caller waits through it before the menu. */
export const MESSAGE_MAX_CHARS = 600;

/** What the flow needs of an announcement (plain JSON: it rides in the call's state). */
export interface AnnouncementView {
  id: string;
  kind: AnnouncementKind;
  message: string;
  startsAt: string;
  endsAt: string;
  accountIds: string[] | null;
  service: Service | null;
  dialledNumber: string | null;
  incidentId: string | null;
  /** The Asterisk sound rendered from the message when it was posted; null when it could not be. */
  sound: string | null;
}

export interface AnnouncementDraft {
  kind: AnnouncementKind;
  message: string;
  startsAt: Date;
  endsAt: Date;
}

/** Why the draft cannot be posted at `now`, or null when it can. */
export function draftProblem(draft: AnnouncementDraft, now: Date): { field: string; message: string } | null {
  if (draft.message.trim() === '') return { field: 'message', message: 'message is required' };
  if (draft.message.length > MESSAGE_MAX_CHARS) return { field: 'message', message: `message must be at most ${MESSAGE_MAX_CHARS} characters` };
  if (draft.endsAt <= draft.startsAt) return { field: 'endsAt', message: 'endsAt must be after startsAt' };
  if (draft.endsAt <= now) return { field: 'endsAt', message: 'endsAt is already past' };
  if (draft.kind === 'maintenance') {
    const notice = (draft.startsAt.getTime() - now.getTime()) / 3_600_000;
    if (notice < MAINTENANCE_NOTICE_HOURS) {
      return {
        field: 'startsAt',
        message: `planned maintenance needs ${MAINTENANCE_NOTICE_HOURS} hours' notice (seed 000): startsAt is ${Math.max(0, Math.floor(notice))} hours away`,
      };
    }
  }
  return null;
}

/** Who is calling, as far as the line knows at the moment of asking. */
export interface Listener {
  /** Null before the caller is identified. */
  accountId: string | null;
  services: readonly Service[] | null;
  /** The line's number the caller dialled (E.164), when the carrier said. */
  dialled: string | null;
}

/**
 * Whether this caller hears the announcement now. Every scope set must match; a scope
 * the line cannot check yet (an account scope before identification) does not match.
 */
export function hears(a: AnnouncementView, who: Listener, now: Date): boolean {
  if (now < new Date(a.startsAt) || now >= new Date(a.endsAt)) return false;
  if (a.dialledNumber !== null && a.dialledNumber !== who.dialled) return false;
  if (a.accountIds !== null && (who.accountId === null || !a.accountIds.includes(who.accountId))) return false;
  if (a.service !== null && (who.services === null || !who.services.includes(a.service))) return false;
  return true;
}

/** Scoped to one caller's account or service: needs the caller identified first. */
export function needsIdentity(a: AnnouncementView): boolean {
  return a.accountIds !== null || a.service !== null;
}
