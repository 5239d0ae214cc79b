// Virtual time shared by the simulated Asterisk, the carrier and the call service.
// It moves only when a test's wait finds everything idle: then the earliest timer
// fires, alone. So the order of events is decided by virtual time, never by how
// busy the machine is.
import type { TimerHandle, Timers } from '../../../src/carriers/ari/timers.ts';

class VirtualTimer {
  constructor(
    readonly id: number,
    readonly at: number,
    readonly fn: () => void,
  ) {}
}

export class VirtualClock implements Timers {
  private t: number;
  private seq = 0;
  private readonly pending = new Map<number, VirtualTimer>();
  /** Timers fired so far (lets concurrent waiters see that time moved). */
  generation = 0;

  constructor(start: Date | string = '2026-03-10T10:00:00Z') {
    this.t = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.t);
  }

  get ms(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    this.seq += 1;
    const timer = new VirtualTimer(this.seq, this.t + Math.max(0, ms), fn);
    this.pending.set(timer.id, timer);
    return timer;
  }

  clearTimeout(handle: TimerHandle): void {
    if (handle instanceof VirtualTimer) this.pending.delete(handle.id);
  }

  /** When the next timer is due, or null if none is pending. */
  nextDue(): number | null {
    let next: VirtualTimer | null = null;
    for (const timer of this.pending.values()) if (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)) next = timer;
    return next?.at ?? null;
  }

  /** Moves to the earliest timer and fires it (only it). False if nothing is pending or it is beyond `limit`. */
  fireNext(limit = Number.POSITIVE_INFINITY): boolean {
    let next: VirtualTimer | null = null;
    for (const timer of this.pending.values()) if (!next || timer.at < next.at || (timer.at === next.at && timer.id < next.id)) next = timer;
    if (!next || next.at > limit) return false;
    this.pending.delete(next.id);
    this.t = Math.max(this.t, next.at);
    this.generation += 1;
    next.fn();
    return true;
  }

  /** Moves time forward without firing anything (only when no timer is due before `to`). */
  jumpTo(to: number): void {
    const due = this.nextDue();
    if (due !== null && due < to) throw new Error('VirtualClock.jumpTo would skip a timer');
    if (to > this.t) {
      this.t = to;
      this.generation += 1;
    }
  }

  get size(): number {
    return this.pending.size;
  }
}
