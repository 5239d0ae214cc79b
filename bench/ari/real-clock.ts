// The simulated Asterisk on real time. Its tests move a virtual clock when the whole
// system is idle; a load benchmark cannot (the line runs in another process and is
// never idle), so here its clock is the wall clock, starting at the scenario's
// instant: prompts take as long to play as they would on a real call.
import { VirtualClock } from '../../test/support/fake-asterisk/clock.ts';
import type { TimerHandle } from '../../src/carriers/ari/timers.ts';

export class RealTimeClock extends VirtualClock {
  private readonly startMs: number;
  private readonly t0 = performance.now();

  constructor(start: Date) {
    super(start);
    this.startMs = start.getTime();
  }

  override get ms(): number {
    return this.startMs + Math.floor(performance.now() - this.t0);
  }

  override now(): Date {
    return new Date(this.ms);
  }

  override setTimeout(fn: () => void, ms: number): TimerHandle {
    return setTimeout(fn, Math.max(0, ms));
  }

  override clearTimeout(handle: TimerHandle): void {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  }
}
