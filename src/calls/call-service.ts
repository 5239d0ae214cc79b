// The call service: runs the one flow for every carrier. It feeds events in,
// executes the data commands itself (accounts, PINs, tickets, the rota, engineer
// locks) and hands the media commands back to the carrier, in order.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { initialState, transition } from '../domain/flow/transition.ts';
import { isMediaCommand } from '../domain/flow/types.ts';
import { MAIN_LINE, type Dialled } from '../domain/dialled.ts';
import type { Division } from '../domain/calendar/bank-holidays.ts';
import type {
  CarrierName,
  DataCommand,
  FlowEvent,
  FlowState,
  MediaCommand,
} from '../domain/flow/types.ts';
import { sessionVersion, type Announcement, type LiveStore, type PinAttemptKey } from '../store/live/live-store.ts';
import { ConflictError } from '../store/errors.ts';
import { logFallbackMessage } from './fallback-messages.ts';
import type { CallDriver, CarrierNote, Done, FeedOptions, StartCall, Step } from './types.ts';
import type { CallRecords, TimelineEntry } from './records.ts';
import { executeData, pinAttemptKeys, type PinStep } from './data-commands.ts';
import { commandEntry, eventEntry } from './timeline.ts';
import { loadSession, saveSession, sessionTtlSeconds, type Session } from './session.ts';

export interface CallServiceConfig {
  division: Division;
  ringSeconds: number;
  rounds: number;
  /** DESK_OVERFLOW_SECONDS: how long the desk rings, on every carrier (absent → the flow's default). */
  deskRingSeconds?: number;
  /** RECORDING_RETENTION_DAYS: what the caller is told before leaving a message (absent → the flow's default). */
  recordingRetentionDays?: number;
}

export interface CallServiceDeps {
  records: CallRecords;
  live: LiveStore;
  logger: Logger;
  config: CallServiceConfig;
  clock?: () => Date;
}

export interface CallService extends CallDriver {
  close(): Promise<void>;
}

/** How long a second instance waits for the first to finish starting the same call. */
const FIRST_STEP_WAIT_MS = 5000;

/**
 * How long one delivery of a webhook step holds the step against other deliveries
 * (a step takes well under a second; longer only if its instance died mid-step).
 */
const STEP_CLAIM_MS = 10_000;

const stepLock = (callId: string, key: string): string => `step:${callId}:${key}`;

/** Calls whose session copy this instance keeps (a few KB each; a call past it reads its session again). */
const MAX_COPIES = 10_000;

/** How long an engineer stays locked to a call once rung (released at the call's end). */
const ENGINEER_LOCK_MS = 4 * 60 * 60 * 1000;

export function createCallService(deps: CallServiceDeps): CallService {
  const clock = deps.clock ?? (() => new Date());
  // Events for one call are handled one at a time, in arrival order.
  const queues = new Map<string, Promise<unknown>>();
  /** Each live call's session as this instance last wrote it, with its version (see stepOnCopy). */
  const copies = new Map<string, { json: string; version: string }>();
  /** `once` keys this instance claimed in a step's put (FeedOptions.claimNext): call and key → claimant. */
  const preClaimed = new Map<string, string>();

  function serialise<T>(callId: string, work: () => Promise<T>): Promise<T> {
    const previous = queues.get(callId) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    queues.set(callId, settled);
    void settled.then(() => {
      if (queues.get(callId) === settled) queues.delete(callId);
    });
    return next;
  }

  async function run(session: Session, first: FlowEvent, at: Date, notes: readonly CarrierNote[] = [], pin?: PinStep): Promise<Step> {
    const timeline: TimelineEntry[] = [];
    try {
      return (await advance(session, first, at, notes, timeline, true, pin)) as Step;
    } finally {
      if (timeline.length > 0) await deps.records.appendTimeline(timeline);
    }
  }

  /**
   * Runs the flow from `first` until it waits on the carrier again, collecting the step's
   * timeline entries in `timeline`. Without `effects` it touches no store: null as soon as
   * the step needs more than the flow's own answer (a data command other than a log line,
   * an engineer's lock, a hang-up's record), and the half-run session must be thrown away;
   * `pin.stoppedAt` then holds the data command it stopped at, if that is what stopped it.
   * With effects, `pin` carries the step's PIN attempt (see PinStep).
   */
  async function advance(
    session: Session,
    first: FlowEvent,
    at: Date,
    notes: readonly CarrierNote[],
    timeline: TimelineEntry[],
    effects: boolean,
    pin?: PinStep & { stoppedAt?: DataCommand },
  ): Promise<Step | null> {
    if (!effects && session.engineerLocks.length > 0) return null;
    const pending: FlowEvent[] = [first];
    const media: MediaCommand[] = [];
    const entry = (type: string, detail: Record<string, unknown>, when = at): void => {
      session.seq += 1;
      timeline.push({ callId: session.state.callId, seq: session.seq, at: when, type, detail });
    };
    // The carrier's facts happened before the event it feeds: they go first, in the same write.
    for (const note of notes) entry(note.type, note.detail, note.at);
    while (pending.length > 0) {
      const event = pending.shift() as FlowEvent;
      const before = session.state;
      if (event.type === 'hangup') {
        if (!effects) return null;
        session.hangupCause = event.cause;
        // The call was closed at the goodbye, before the line hung up: its cause comes now.
        if (before.phase === 'ending') await deps.records.updateCall(before.callId, { hangupCause: event.cause });
      }
      const e = eventEntry(before, event);
      if (e) entry(e.type, e.detail);
      const result = transition(before, event, at);
      session.state = result.state;
      // No engineer is held without effects (checked above and below), so there is none to free.
      if (effects) await freeEngineers(session, event);
      for (const command of result.commands) {
        if (!effects && (command.kind === 'dialEngineer' || (!isMediaCommand(command) && command.kind !== 'log'))) {
          if (pin && !isMediaCommand(command)) pin.stoppedAt = command;
          return null;
        }
        if (isMediaCommand(command) && !(await holdEngineer(session, command))) {
          // Never rung: no engineer-rung entry, so the engineer is not shown the call (visibility follows legs that rang).
          if (command.kind === 'dialEngineer') pending.push({ type: 'engineerResult', engineerId: command.engineer.engineerId, outcome: 'locked' });
          continue;
        }
        const c = commandEntry(command);
        if (c) entry(c.type, c.detail);
        if (isMediaCommand(command)) {
          media.push(command);
          continue;
        }
        const answer = await executeData(command as DataCommand, {
          records: deps.records,
          live: deps.live,
          session,
          at,
          config: deps.config,
          release: () => releaseEngineers(session),
          ...(pin ? { pin } : {}),
        });
        if (answer) pending.push(answer);
      }
    }
    const ended = session.state.phase === 'ending' || session.state.phase === 'ended';
    if (session.state.phase === 'ended') await releaseEngineers(session);
    deps.logger.debug({ callId: session.state.callId, carrier: session.state.carrier, phase: session.state.phase, commands: media.map((c) => c.kind) }, 'call step');
    return { callId: session.state.callId, commands: media, ended };
  }

  /** An engineer is rung for one escalated call at a time, across every instance. */
  async function holdEngineer(session: Session, command: MediaCommand): Promise<boolean> {
    if (command.kind !== 'dialEngineer') return true;
    const id = command.engineer.engineerId;
    if (session.engineerLocks.includes(id)) return true;
    const ok = await deps.live.acquireLock(`engineer:${id}`, session.state.callId, ENGINEER_LOCK_MS);
    if (ok) session.engineerLocks.push(id);
    return ok;
  }

  /**
   * An engineer who did not take the call is free for the next one at once (round two
   * takes the lock again); once someone accepts, or a message is being taken, only the
   * engineer on the call stays locked.
   */
  async function freeEngineers(session: Session, event: FlowEvent): Promise<void> {
    if (event.type === 'engineerResult' && event.outcome !== 'accepted' && session.engineerLocks.includes(event.engineerId)) {
      session.engineerLocks = session.engineerLocks.filter((id) => id !== event.engineerId);
      await deps.live.releaseLock(`engineer:${event.engineerId}`, session.state.callId);
    }
    if (session.state.phase === 'bridged' || session.state.phase === 'recording') await releaseEngineers(session);
  }

  async function releaseEngineers(session: Session): Promise<void> {
    const keep = session.state.phase === 'bridged' ? session.state.engineerId : null;
    const release = session.engineerLocks.filter((id) => id !== keep);
    session.engineerLocks = session.engineerLocks.filter((id) => id === keep);
    await Promise.all(release.map((id) => deps.live.releaseLock(`engineer:${id}`, session.state.callId)));
  }

  /** Dialled numbers not among the line's numbers, logged once each by this instance. */
  const unknownDialled = new Set<string>();

  /** The dialled number's profile; a number not ours, or one Postgres cannot look up now, is the main line. */
  async function dialledNumber(to: string): Promise<Dialled> {
    try {
      const { known, ...dialled } = await deps.records.dialledProfile(to);
      if (!known && !unknownDialled.has(to)) {
        unknownDialled.add(to);
        deps.logger.warn({ to }, 'dialled number is not one of the line\'s numbers: handled as the main number');
      }
      return dialled;
    } catch (err) {
      deps.logger.warn({ err, to }, 'dialled number could not be looked up: handled as the main number');
      return MAIN_LINE;
    }
  }

  const service: CallService = {
    async start(input: StartCall): Promise<Step> {
      const existing = await deps.records.findCallId(input.carrier, input.carrierCallId);
      if (existing) {
        // The carrier told us twice (a retried webhook, a replayed StasisStart).
        const session = await loadSession(deps.live, existing);
        if (session?.results['start']) return session.results['start'];
      }
      const callId = existing ?? randomUUID();
      return serialise(callId, async () => {
        const at = input.at;
        try {
          await deps.records.openCall({ id: callId, ...input, startedAt: at });
        } catch (err) {
          // Another instance took the same delivery a moment ago: answer with its first step.
          if (err instanceof ConflictError && !existing) return firstStepOf(input);
          throw err;
        }
        // Independent lookups, side by side: one round trip's wait for the caller, not two.
        const [closures, announcements, dialled] = await Promise.all([
          deps.records.closuresAround(at),
          deps.records.announcementsAround(at),
          dialledNumber(input.to),
        ]);
        const started: FlowEvent = {
          type: 'started',
          callId,
          carrier: input.carrier,
          from: input.from,
          to: input.to,
          division: deps.config.division,
          closures,
          deskRingSeconds: deps.config.deskRingSeconds,
          recordingRetentionDays: deps.config.recordingRetentionDays,
          announcements,
          dialled,
        };
        const session: Session = {
          state: initialState(started, at),
          seq: 0,
          hangupCause: null,
          engineerLocks: [],
          results: {},
          carrierCallId: input.carrierCallId,
        };
        const step = await run(session, started, at, input.notes);
        session.results['start'] = step;
        await saveSession(deps.live, session, update(session.state, 'call-started'));
        keepCopy(session);
        return step;
      });
    },

    async feed(callId: string, event: FlowEvent, at: Date, options: FeedOptions = {}): Promise<Step> {
      return serialise(callId, async () => {
        const key = options.idempotencyKey;
        const claimant = randomUUID();
        const onCopy = await stepOnCopy(callId, event, at, options, claimant);
        if (onCopy && 'step' in onCopy) return onCopy.step;
        const pin: PinStep = {};
        let claimed: { session: Session | null; answer?: Session['results'][string] | undefined };
        if (onCopy && 'claimed' in onCopy) {
          claimed = { session: onCopy.claimed.session };
          pin.reserved = onCopy.claimed.reserved;
        } else claimed = await claimStep(callId, key, claimant, onCopy?.stored);
        const { session, answer } = claimed;
        if (!session) throw new UnknownCallError(callId);
        if (options.carrierCallId !== undefined && options.carrierCallId !== session.carrierCallId) throw new UnknownCallError(callId);
        if (answer) return answer;
        let step: Step;
        try {
          step = await run(session, event, at, options.notes, pin);
        } catch (err) {
          await settleLeftOver(pin);
          await keepSequence(session);
          await giveBack(callId, key, claimant);
          throw err;
        }
        await settleLeftOver({ reserved: pin.reserved });
        if (key) rememberResult(session, key, step);
        const nextKey = options.claimNext?.(step);
        const next = nextKey ? { key: stepLock(callId, nextKey), owner: randomUUID(), ttlMs: STEP_CLAIM_MS } : undefined;
        const held = await saveSession(deps.live, session, update(session.state, step.ended ? 'call-ended' : 'call-updated'), pin.settle, next);
        keepCopy(session);
        if (nextKey && next && held) preClaim(callId, nextKey, next.owner);
        return step;
      });
    },

    findCall: (carrier: CarrierName, carrierCallId: string) => deps.records.findCallId(carrier, carrierCallId),

    fallbackMessage: (recordingName) => logFallbackMessage({ records: deps.records, division: deps.config.division }, recordingName),

    async snapshot(callId: string): Promise<FlowState | null> {
      return (await loadSession(deps.live, callId))?.state ?? null;
    },

    async note(callId: string, type: string, detail: Record<string, unknown>, at: Date, options: { idempotencyKey?: string } = {}): Promise<void> {
      await serialise(callId, async () => {
        const key = options.idempotencyKey;
        const claimant = randomUUID();
        const { session, answer } = await claimStep(callId, key, claimant);
        if (!session || answer) return;
        session.seq += 1;
        try {
          await deps.records.appendTimeline([{ callId, seq: session.seq, at, type, detail }]);
        } catch (err) {
          await giveBack(callId, key, claimant);
          throw err;
        }
        if (key) rememberResult(session, key, { callId, commands: [], ended: session.state.phase === 'ended' });
        await saveSession(deps.live, session);
        keepCopy(session);
      });
    },

    async once(callId: string, key: string, work: () => Promise<Done>): Promise<Done> {
      return serialise(callId, async () => {
        // Claimed in the put of the step that asked for it: no claim of its own, on the copy that put wrote.
        const pre = preClaimed.get(preClaimKey(callId, key));
        preClaimed.delete(preClaimKey(callId, key));
        const claimant = pre ?? randomUUID();
        const copy = pre ? copies.get(callId) : undefined;
        const { session, answer } = copy ? fromCopy(copy.json, key) : await claimStep(callId, key, claimant);
        if (!session) throw new UnknownCallError(callId);
        if (answer) return answer.done ?? {};
        let done: Done;
        try {
          done = await work();
        } catch (err) {
          await giveBack(callId, key, claimant);
          throw err;
        }
        await rememberDone(callId, key, session, done);
        return done;
      });
    },

    async close(): Promise<void> {
      await Promise.allSettled([...queues.values()]);
    },
  };

  /** A `once` key claimed in a step's put, for this instance's `once` (oldest dropped past a bound; an unused claim lapses). */
  function preClaim(callId: string, key: string, owner: string): void {
    preClaimed.set(preClaimKey(callId, key), owner);
    if (preClaimed.size > MAX_COPIES) preClaimed.delete(preClaimed.keys().next().value as string);
  }

  /** The copy's session and the answer it holds for `key` (none: the claim is ours, nobody has done the work). */
  function fromCopy(json: string, key: string): { session: Session; answer?: Session['results'][string] | undefined } {
    const session = JSON.parse(json) as Session;
    return { session, answer: session.results[key] };
  }

  /**
   * Remembers `once`'s answer in the session as it is now (the work may have taken a while:
   * a REST request): swapped in if the session is still the one the claim read, one round
   * trip where reading it again and putting it cost two; if another step moved the call
   * on meanwhile, the swap hands back that session and the answer goes into it.
   */
  async function rememberDone(callId: string, key: string, read: Session, done: Done): Promise<void> {
    let base = read;
    let version = sessionVersion(JSON.stringify(read));
    for (let tries = 0; tries < 5; tries += 1) {
      rememberResult(base, key, { callId, commands: [], ended: base.state.phase === 'ended', done });
      const json = JSON.stringify(base);
      const swap = await deps.live.swapSession<Session>(callId, version, json, sessionTtlSeconds(base), undefined, undefined);
      if (swap.swapped) {
        keepCopy(base, json);
        return;
      }
      if (!swap.session) break;
      const stored = sessionVersion(JSON.stringify(swap.session));
      // The same version again: the stored JSON is not what JSON.stringify gives for it, so no swap can match.
      if (stored === version) break;
      base = swap.session;
      version = stored;
    }
    // Gone from Redis, or moved on under every try: put as before, last write wins.
    const latest = (await loadSession(deps.live, callId)) ?? base;
    rememberResult(latest, key, { callId, commands: [], ended: latest.state.phase === 'ended', done });
    await saveSession(deps.live, latest);
    keepCopy(latest);
  }

  /**
   * The call's session with its step `key` claimed for `claimant`, cluster-wide and in
   * the session read's round trip; or the answer already given to that step. When
   * another delivery holds the claim, waits for its answer; if that instance died
   * mid-step, its claim lapses and this one takes the step over.
   */
  async function claimStep(
    callId: string,
    key: string | undefined,
    claimant: string,
    stored?: { session: Session | null; locked: boolean },
  ): Promise<{ session: Session | null; answer?: Session['results'][string] | undefined }> {
    if (!key) return { session: stored ? stored.session : await loadSession(deps.live, callId) };
    const deadline = Date.now() + STEP_CLAIM_MS * 2;
    for (let first = stored; ; first = undefined) {
      const { session, locked } = first ?? (await deps.live.getSessionAndLock<Session>(callId, stepLock(callId, key), claimant, STEP_CLAIM_MS));
      const answer = session?.results[key];
      if (!session || answer || locked) return { session, answer };
      if (Date.now() > deadline) throw new Error(`step ${key} of call ${callId} is held elsewhere and has no answer yet`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * The step run on this instance's copy of the session (the one it last wrote), when the
   * flow answers it alone (a menu key, a digit of an account number): the new session, its
   * answer and the console's update go to Redis in one swap that checks nobody moved the
   * call on or holds the step meanwhile, then the timeline goes to Postgres. One Redis round
   * trip and one Postgres write per key press, where reading the session first costs two.
   * A PIN key claims its step and reserves its attempt in one round trip (claimForPin).
   * Null when there is no copy or the step needs the stores (a ticket, an engineer);
   * `stored` when the copy was stale: the stored session, with the step claimed for
   * `claimant`, from the same round trip.
   */
  async function stepOnCopy(
    callId: string,
    event: FlowEvent,
    at: Date,
    options: FeedOptions,
    claimant: string,
  ): Promise<OnCopy> {
    const copy = copies.get(callId);
    if (!copy) return null;
    const session = JSON.parse(copy.json) as Session;
    if (options.carrierCallId !== undefined && options.carrierCallId !== session.carrierCallId) return null;
    const key = options.idempotencyKey;
    // An answer once given never changes: a delivery again gets it without asking Redis.
    const given = key ? session.results[key] : undefined;
    if (given) return { step: given };
    const timeline: TimelineEntry[] = [];
    const stopped: { stoppedAt?: DataCommand } = {};
    const step = await advance(session, event, at, options.notes ?? [], timeline, false, stopped);
    if (!step) return stopped.stoppedAt?.kind === 'checkPin' ? claimForPin(callId, copy, key, claimant, pinAttemptKeys(stopped.stoppedAt)) : null;
    if (key) rememberResult(session, key, step);
    const json = JSON.stringify(session);
    const claim = key ? { key: stepLock(callId, key), owner: claimant, ttlMs: STEP_CLAIM_MS } : undefined;
    const announce = update(session.state, step.ended ? 'call-ended' : 'call-updated');
    const swap = await deps.live.swapSession<Session>(callId, copy.version, json, sessionTtlSeconds(session), announce, claim);
    if (!swap.swapped) {
      copies.delete(callId);
      return { stored: { session: swap.session, locked: swap.locked } };
    }
    keepCopy(session, json);
    try {
      if (timeline.length > 0) await deps.records.appendTimeline(timeline);
    } catch (err) {
      await undoSwap(callId, copy.json, json, session.seq, key, claimant);
      throw err;
    }
    return { step };
  }

  /**
   * A PIN key on this instance's copy: the step claimed and the PIN attempt reserved in one
   * round trip that checks nobody moved the call on meanwhile, so the step runs on the copy
   * with no read (the right PIN's settlement then goes with the session's put: two round
   * trips for the key, where reading, reserving, settling and putting cost four). A stale
   * copy reserves nothing and answers what stepOnCopy's swap does.
   */
  async function claimForPin(callId: string, copy: { json: string; version: string }, key: string | undefined, claimant: string, keys: PinAttemptKey[]): Promise<OnCopy> {
    const session = JSON.parse(copy.json) as Session;
    const claim = key ? { key: stepLock(callId, key), owner: claimant, ttlMs: STEP_CLAIM_MS } : undefined;
    const swap = await deps.live.swapSession<Session>(callId, copy.version, null, sessionTtlSeconds(session), undefined, claim, { keys, attemptId: randomUUID() });
    if (!swap.swapped) {
      copies.delete(callId);
      return { stored: { session: swap.session, locked: swap.locked } };
    }
    return { claimed: { session, reserved: swap.reservation ? { keys, reservation: swap.reservation } : undefined } };
  }

  /** A PIN attempt the step reserved but did not settle (it failed, or never checked it): given back now, not left to lapse. */
  async function settleLeftOver(pin: PinStep): Promise<void> {
    const left = pin.settle ?? (pin.reserved?.reservation.granted ? { keys: pin.reserved.keys, reservation: pin.reserved.reservation, outcome: 'unchecked' as const } : undefined);
    pin.settle = undefined;
    pin.reserved = undefined;
    if (left) await deps.live.settlePinAttempt(left.keys, left.reservation, left.outcome).catch(() => undefined);
  }

  /**
   * The step's timeline could not be written after its session was: put the session back
   * as it was before the step (its sequence moved on, as keepSequence does), so a retry
   * runs the step again, as when a step fails before its session is put.
   */
  async function undoSwap(callId: string, before: string, after: string, seq: number, key: string | undefined, claimant: string): Promise<void> {
    copies.delete(callId);
    try {
      const back = { ...(JSON.parse(before) as Session), seq };
      const claim = key ? { key: stepLock(callId, key), owner: claimant, ttlMs: STEP_CLAIM_MS } : undefined;
      const undone = await deps.live.swapSession<Session>(callId, sessionVersion(after), JSON.stringify(back), sessionTtlSeconds(back), undefined, claim);
      if (!undone.swapped) deps.logger.warn({ callId }, 'a step whose timeline failed could not be undone: the call had moved on');
    } catch (err) {
      deps.logger.warn({ err, callId }, 'a step whose timeline failed could not be undone');
    }
    await giveBack(callId, key, claimant);
  }

  /** The session as this instance last wrote it, for the next step's swap (dropped at the call's end, oldest first past a bound). */
  function keepCopy(session: Session, json = JSON.stringify(session)): void {
    const callId = session.state.callId;
    copies.delete(callId);
    if (session.state.phase === 'ended') return;
    copies.set(callId, { json, version: sessionVersion(json) });
    if (copies.size > MAX_COPIES) copies.delete(copies.keys().next().value as string);
  }

  /** A step that failed gives its claim back: another delivery of it may try now (if Redis cannot be told, the claim lapses). */
  async function giveBack(callId: string, key: string | undefined, claimant: string): Promise<void> {
    if (key) await deps.live.releaseLock(stepLock(callId, key), claimant).catch(() => undefined);
  }

  /** The first step another instance gave for this carrier call, once it has saved it. */
  async function firstStepOf(input: StartCall): Promise<Step> {
    const deadline = Date.now() + FIRST_STEP_WAIT_MS;
    for (;;) {
      const callId = await deps.records.findCallId(input.carrier, input.carrierCallId);
      const session = callId ? await loadSession(deps.live, callId) : null;
      const step = session?.results['start'];
      if (step) return step;
      if (Date.now() > deadline) throw new Error(`call ${input.carrier}:${input.carrierCallId} was started elsewhere and has no first step yet`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  /**
   * A step that failed part-way may already have written timeline entries: keep the
   * sequence moving on, or later entries would reuse those numbers and be dropped.
   */
  async function keepSequence(session: Session): Promise<void> {
    copies.delete(session.state.callId);
    try {
      const stored = await loadSession(deps.live, session.state.callId);
      if (stored && stored.seq < session.seq) await saveSession(deps.live, { ...stored, seq: session.seq });
    } catch (err) {
      deps.logger.warn({ err, callId: session.state.callId }, 'could not keep the timeline sequence after a failed step');
    }
  }

  /** The console's live update for this step: published with the session, one round trip to Redis. */
  function update(state: FlowState, type: string): Announcement {
    const message = JSON.stringify({
      type,
      callId: state.callId,
      carrier: state.carrier,
      from: state.from,
      phase: state.phase,
      account: state.account ? { number: state.account.number, name: state.account.name, tier: state.account.tier } : null,
      route: state.route,
      ticket: state.ticket?.reference ?? null,
      at: clock().toISOString(),
    });
    return { channel: 'calls', message };
  }

  return service;
}

const preClaimKey = (callId: string, key: string): string => `${callId}\n${key}`;

function rememberResult(session: Session, key: string, step: Session['results'][string]): void {
  session.results[key] = step;
  const keys = Object.keys(session.results);
  // Retries come within seconds; a few recent answers are enough.
  for (const old of keys.slice(0, Math.max(0, keys.length - 16))) {
    if (old !== 'start') delete session.results[old];
  }
}

/** What a step run on this instance's copy came to (see stepOnCopy); null: read the call as usual. */
type OnCopy =
  | { step: Step }
  | { stored: { session: Session | null; locked: boolean } }
  | { claimed: { session: Session; reserved: PinStep['reserved'] } }
  | null;

export class UnknownCallError extends Error {
  constructor(readonly callId: string) {
    super(`no live call ${callId}`);
    this.name = 'UnknownCallError';
  }
}

