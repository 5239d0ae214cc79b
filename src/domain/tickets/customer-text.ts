// Texts with their own words, sent once and never paged until acknowledged: to the
// customer (after the call, the ADR notice) and to the engineer given a Cat4
// critical ticket (assignee_sms). Staff alerts are built from their payload instead.
import type { AlertKind, AlertPayload } from './alerts.ts';

export type CustomerTextKind = 'caller_sms' | 'adr_notice' | 'assignee_sms' | 'incident_resolved';

export interface CustomerTextPayload {
  kind: CustomerTextKind;
  ticket: { id: string; reference: string };
  /** The whole message, as the customer reads it. */
  text: string;
  /** When it was queued (ISO). */
  at: string;
}

export type NotificationKind = AlertKind | CustomerTextKind;
export type NotificationPayload = AlertPayload | CustomerTextPayload;

export function isCustomerText(p: NotificationPayload): p is CustomerTextPayload {
  return p.kind === 'caller_sms' || p.kind === 'adr_notice' || p.kind === 'assignee_sms' || p.kind === 'incident_resolved';
}

// Ofcom's UK mobile ranges: 071–075, 077–079 and 07624 (Isle of Man). 070 personal
// numbers and 076 pagers cannot read a text.
const UK_MOBILE = /^\+447(?:[1-57-9]\d{8}|624\d{6})$/;

/** Whether a text to this E.164 number reaches a mobile phone. */
export function isUkMobile(e164: string): boolean {
  return UK_MOBILE.test(e164);
}

/**
 * The scheme a customer may take a complaint to after 8 weeks, as our complaints code
 * names it (seed 002: "you may make a complaint through Ofcom", with its contact details).
 */
export const ADR_SCHEME = { name: 'Ofcom', web: 'www.ofcom.org.uk', phone: '020 7981 3040' } as const;

/** The 8-week notice (seed 002, stage 6), by text or, without a mobile, as a letter's body. */
export function adrNoticeText(reference: string): string {
  return (
    `Support Line: your complaint ${reference} has been open for 8 weeks. If you are not satisfied with how we are ` +
    `handling it, you have the right to take it to alternative dispute resolution through ${ADR_SCHEME.name} ` +
    `(${ADR_SCHEME.web}, ${ADR_SCHEME.phone}).`
  );
}
