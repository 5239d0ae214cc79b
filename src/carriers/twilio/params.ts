// What Twilio tells us in a webhook, checked at the edge, and how its words map
// onto the flow's: a Dial result becomes an engineer or desk outcome.
import { z } from 'zod';
import type { EngineerOutcome } from '../../domain/flow/types.ts';
import { SAFE_STAGES, STEP_KINDS } from './links.ts';

const callSid = z.string().regex(/^CA[0-9a-fA-F]{32}$/, 'not a CallSid');
// Every Twilio value is a string; a repeated name (an array) is not Twilio.
const text = (max: number) => z.string().max(max);

export const webhookParams = z.object({
  CallSid: callSid,
  AccountSid: text(64).optional(),
  From: text(256).default(''),
  To: text(256).default(''),
  CallStatus: text(32).default(''),
  Direction: text(32).optional(),
  ParentCallSid: callSid.optional(),
  // Length is judged by the handler (a long entry is answered, not refused); the body limit bounds it.
  Digits: z.string().optional(),
  FinishedOnKey: text(8).optional(),
  DialCallStatus: text(32).optional(),
  DialCallSid: text(64).optional(),
  DialCallDuration: text(16).optional(),
  DialBridged: text(8).optional(),
  DialSipResponseCode: text(8).optional(),
  RecordingUrl: text(1024).optional(),
  RecordingSid: text(64).optional(),
  RecordingDuration: text(16).optional(),
  RecordingStatus: text(32).optional(),
  CallDuration: text(16).optional(),
  SequenceNumber: text(16).optional(),
  ErrorCode: text(16).optional(),
  // <Enqueue action> and waitUrl requests.
  QueueResult: text(32).optional(),
  QueueSid: text(64).optional(),
  QueueTime: text(16).optional(),
  ErrorUrl: text(1024).optional(),
});
export type WebhookParams = z.infer<typeof webhookParams>;

const count = z
  .string()
  .regex(/^\d{1,6}$/)
  .transform(Number);
const id = z.string().min(1).max(100);

/** `via` marks the number's Fallback URL or a trunk's disaster-recovery URL: Asterisk already failed. */
export const voiceQuery = z.object({ via: z.enum(['trunk', 'fallback']).optional() });

export const stepQuery = z.object({
  call: id,
  step: count,
  on: z.enum(STEP_KINDS),
  purpose: text(16).optional(),
  secret: z.literal('1').optional(),
  engineer: id.optional(),
  queue: z.enum(['support', 'billing']).optional(),
  /** The engineer's REST-created call a queued caller waits on (on=queue). */
  leg: callSid.optional(),
  /** What became of that call, when its status or screen sent the caller here (on=engineer). */
  outcome: z.enum(['no_answer', 'busy', 'failed', 'declined', 'no_key']).optional(),
});
export type StepQuery = z.infer<typeof stepQuery>;

export const legQuery = z.object({ call: id, step: count, engineer: id.optional() });
export type LegQuery = z.infer<typeof legQuery>;

export const screenQuery = legQuery.extend({
  engineer: id,
  t: count.optional(),
  /** The flow's accept key; absent on URLs issued before it travelled (ENGINEER_ACCEPT_KEY then). */
  k: z.string().regex(/^[0-9*#]$/).optional(),
  w: z.string().max(4000).optional(),
  parent: callSid.optional(),
});

export const waitQuery = z.object({ call: id, w: z.string().max(4000), h: z.string().max(4000) });
export type WaitQuery = z.infer<typeof waitQuery>;
export type ScreenQuery = z.infer<typeof screenQuery>;

export const statusQuery = z.object({
  call: id.optional(),
  step: count.optional(),
  leg: z.enum(['engineer', 'desk']).optional(),
  engineer: id.optional(),
  parent: callSid.optional(),
});
export type StatusQuery = z.infer<typeof statusQuery>;

export const recordingQuery = z.object({ call: id.optional(), name: text(200).optional() });
export type RecordingQuery = z.infer<typeof recordingQuery>;

export const safeQuery = z.object({ stage: z.enum(SAFE_STAGES) });

/** More keys than any question asks for (account numbers are 10): not a caller typing. */
export const MAX_SANE_DIGITS = 32;

const FINAL_STATUSES = new Set(['completed', 'canceled', 'busy', 'failed', 'no-answer']);

export function isFinalStatus(status: string): boolean {
  return FINAL_STATUSES.has(status);
}

/** The caller's own leg is over (a Dial action posted after they hung up). */
export function callerGone(p: WebhookParams): boolean {
  return isFinalStatus(p.CallStatus) || p.DialCallStatus === 'canceled';
}

/** Twilio's own word that the legs were joined; DialCallStatus says `completed` for a refused screen too. */
export function dialBridged(p: WebhookParams): boolean {
  return p.DialBridged === 'true';
}

/** An engineer's Dial that never bridged. A key other than the accept key reaches the flow first, from the screen. */
export function engineerOutcome(p: WebhookParams): EngineerOutcome {
  switch (p.DialCallStatus) {
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no_answer';
    case 'completed':
    case 'answered':
      // Answered but the screen ended without a 1: a voicemail box, or silence.
      return 'no_key';
    default:
      return 'failed';
  }
}

/**
 * A REST-rung engineer's call that ended, as the flow's outcome: unanswered, or answered
 * and over (`completed`: hung up during the whisper, or after a key the screen already
 * reported, or after talking, which the flow has as accepted). Null while it is still
 * going, and for `canceled` (the line cancelled it: the caller had gone).
 */
export function restLegOutcome(status: string): Extract<EngineerOutcome, 'busy' | 'no_answer' | 'failed' | 'no_key'> | null {
  if (status === 'busy') return 'busy';
  if (status === 'no-answer') return 'no_answer';
  if (status === 'failed') return 'failed';
  if (status === 'completed') return 'no_key';
  return null;
}

export function deskOutcome(p: WebhookParams): 'answered' | 'no_answer' | 'failed' {
  if (dialBridged(p)) return 'answered';
  return p.DialCallStatus === 'failed' ? 'failed' : 'no_answer';
}

/** The SIP hand-off to Asterisk did not take the call: run the IVR here. */
export function sipLegFailed(p: WebhookParams): boolean {
  if (p.DialCallStatus === 'busy' || p.DialCallStatus === 'failed' || p.DialCallStatus === 'no-answer') return true;
  const code = Number(p.DialSipResponseCode ?? '');
  return Number.isInteger(code) && code >= 400 && !dialBridged(p);
}

export function seconds(value: string | undefined): number {
  const n = Number(value ?? '');
  return Number.isFinite(n) && n >= 0 ? n : 0;
}
