// The narrow door every carrier uses: start a call, feed it events, execute the
// media commands that come back. Routing, tickets and locks stay behind it.
import type { CarrierName, FlowEvent, FlowState, MediaCommand } from '../domain/flow/types.ts';

export interface StartCall {
  carrier: CarrierName;
  /** The carrier's own id (Asterisk channel id, Twilio CallSid). */
  carrierCallId: string;
  from: string;
  to: string;
  at: Date;
  /** Carrier facts from before the flow started (as FeedOptions.notes). */
  notes?: readonly CarrierNote[];
}

/** A carrier-level fact for the call's timeline (a leg, a playback, a barge-in), typed e.g. `ari.barge-in`. */
export interface CarrierNote {
  type: string;
  detail: Record<string, unknown>;
  at: Date;
}

/** What a carrier must do next for a call. */
export interface Step {
  callId: string;
  /** Media commands, in order. Empty when the flow waits on something else. */
  commands: MediaCommand[];
  /** The flow has ended the call (a hangup command is among the commands, or it was the caller's). */
  ended: boolean;
}

export interface FeedOptions {
  /**
   * A key naming this delivery (e.g. Twilio's CallSid + step). Feeding the same key
   * twice returns the first answer again and changes nothing.
   */
  idempotencyKey?: string;
  /**
   * Carrier facts gathered since the last feed. They are written in the same timeline
   * batch as this step, before its entries, so they cost no round trip of their own; a
   * repeated delivery (same idempotencyKey) does not write them again.
   */
  notes?: readonly CarrierNote[];
  /**
   * The `once` key the carrier will ask for with this step's answer (e.g. ringing the
   * engineer it dials), or none: claimed for this instance in the step's own session put,
   * so that `once` costs no claim of its own.
   */
  claimNext?: (step: Step) => string | undefined;
  /**
   * The carrier's id for the call as this delivery names it (a webhook's CallSid). The
   * feed is refused (UnknownCallError) unless the live call is that carrier call, so a
   * carrier may trust a call id from its own signed URL without looking it up first.
   */
  carrierCallId?: string;
}

export interface CallDriver {
  /**
   * A recording Asterisk holds: if it is a message the dialplan took while the line was
   * not connected, log it as a call with a message ticket (idempotent).
   */
  fallbackMessage?(recordingName: string): Promise<'logged' | 'already-logged' | 'not-fallback'>;
  start(input: StartCall): Promise<Step>;
  feed(callId: string, event: FlowEvent, at: Date, options?: FeedOptions): Promise<Step>;
  /** The call id for a carrier's id, if that call is known. */
  findCall(carrier: CarrierName, carrierCallId: string): Promise<string | null>;
  /** The flow state of a live call (for resuming after a restart). */
  snapshot(callId: string): Promise<FlowState | null>;
  /**
   * Carrier-level facts for the call's timeline: legs, playbacks, bridges, hangup causes.
   * With `idempotencyKey`, a fact already written under that key (a retried callback, or
   * the step fed with the same key) is not written again.
   */
  note(callId: string, type: string, detail: Record<string, unknown>, at: Date, options?: { idempotencyKey?: string }): Promise<void>;
  /**
   * Runs `work` once for this call and `key` across every instance: a carrier's own act
   * that a retried or twice-delivered webhook must not repeat (an engineer rung through
   * an API, a waiting caller moved on). The key is claimed as a step's is; any other
   * delivery waits for the first and gets what its `work` returned. A `work` that throws
   * gives the claim back, so a later delivery runs it. Absent: `work` runs every time.
   */
  once?(callId: string, key: string, work: () => Promise<Done>): Promise<Done>;
}

/** What a carrier's `once` work did, in words it can act on again (e.g. the sid of the call it created). */
export type Done = Readonly<Record<string, string>>;
