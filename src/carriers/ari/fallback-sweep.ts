// Messages the dialplan recorded while no instance held the application are handed to
// the call service to log: on every connect (they were left while nobody was there) and
// every few minutes after (a caller may still have been recording at the connect).
import type { Logger } from 'pino';
import type { CallDriver } from '../../calls/types.ts';
import { FALLBACK_RECORDING_PREFIX } from '../../domain/flow/fallback-message.ts';
import type { AriRest } from './rest.ts';
import type { TimerHandle, Timers } from './timers.ts';

/** How often Asterisk's stored recordings are looked through while connected. */
export const FALLBACK_SWEEP_MS = 5 * 60_000;

export class FallbackSweep {
  /** Logged (by this process or before it): not handed over again on the next sweep. */
  private readonly logged = new Set<string>();
  private timer: TimerHandle | null = null;
  private running: Promise<SweepResult> | null = null;

  constructor(private readonly deps: { rest: () => AriRest; driver: CallDriver; timers: Timers; logger: Logger }) {}

  /** Sweeps now, then every FALLBACK_SWEEP_MS until stopped. */
  start(track: (work: Promise<unknown>) => void): void {
    this.stop();
    const tick = () => {
      track(this.sweep());
      this.timer = this.deps.timers.setTimeout(tick, FALLBACK_SWEEP_MS);
    };
    tick();
  }

  stop(): void {
    if (this.timer) this.deps.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  /** What this sweep found; a sweep already under way is shared. */
  sweep(): Promise<SweepResult> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<SweepResult> {
    const { driver, logger } = this.deps;
    const result: SweepResult = { logged: 0, alreadyLogged: 0 };
    if (!driver.fallbackMessage) return result;
    let names: string[];
    try {
      names = (await this.deps.rest().listStoredRecordings()).map((r) => r.name);
    } catch (err) {
      logger.warn({ err }, 'could not list Asterisk recordings for messages the dialplan took');
      return result;
    }
    for (const name of names) {
      if (!name.startsWith(FALLBACK_RECORDING_PREFIX) || this.logged.has(name)) continue;
      try {
        const outcome = await driver.fallbackMessage(name);
        if (outcome === 'not-fallback') continue;
        this.logged.add(name);
        if (outcome === 'logged') result.logged += 1;
        else result.alreadyLogged += 1;
      } catch (err) {
        logger.error({ err, recording: name }, 'a message the dialplan took could not be logged yet; the next sweep tries again');
      }
    }
    // The recordings stay on Asterisk: the call and ticket name them, so the console plays
    // them and retention deletes them when they expire. A restarted process finds them
    // logged (the calls are closed) and says so, once.
    if (result.logged + result.alreadyLogged > 0) {
      logger.info(
        { logged: result.logged, alreadyLogged: result.alreadyLogged },
        `messages the dialplan took while the line was not connected: logged ${result.logged} new, ${result.alreadyLogged} already logged`,
      );
    }
    return result;
  }
}

export interface SweepResult {
  /** Logged as a call and message ticket by this sweep. */
  logged: number;
  /** Logged before (by an earlier process or another instance): nothing written. */
  alreadyLogged: number;
}
