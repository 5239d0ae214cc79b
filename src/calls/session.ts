// A live call's memory between events, kept in the live store (Redis) so any
// instance, or this one after a restart, can carry the call on.
import type { FlowState } from '../domain/flow/types.ts';
import type { Announcement, LiveStore, PinSettlement, StepClaim } from '../store/live/live-store.ts';
import type { Done, Step } from './types.ts';

export interface Session {
  state: FlowState;
  /** Last timeline sequence number written. */
  seq: number;
  hangupCause: string | null;
  /** Engineers this call holds the lock of. */
  engineerLocks: string[];
  /** Answers already given, by idempotency key, for retried deliveries (`done`: a carrier's once-only act). */
  results: Record<string, Step & { done?: Done }>;
  carrierCallId: string;
}

const LIVE_TTL_SECONDS = 6 * 60 * 60;
/** An ended call's session lingers briefly so late retries get the same answer. */
const ENDED_TTL_SECONDS = 10 * 60;

export function loadSession(live: LiveStore, callId: string): Promise<Session | null> {
  return live.getSession<Session>(callId);
}

/** How long the stored session outlives its last write. */
export function sessionTtlSeconds(session: Session): number {
  const ended = session.state.phase === 'ended' || session.state.phase === 'ending';
  return ended ? ENDED_TTL_SECONDS : LIVE_TTL_SECONDS;
}

/** `announce`: the console's update, published in the same round trip. */
/** `settle`: a right PIN's attempt, settled in the same round trip; `claim` taken in it too (whether it is held). */
export async function saveSession(live: LiveStore, session: Session, announce?: Announcement, settle?: PinSettlement, claim?: StepClaim): Promise<boolean> {
  return live.putSession(session.state.callId, session, sessionTtlSeconds(session), announce, settle, claim);
}
