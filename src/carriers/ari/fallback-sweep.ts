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
  /** Logged by this process: not handed over again on the next sweep. */
  private readonly logged = new Set<string>();
  private timer: TimerHandle | null = null;
  private running: Promise<number> | null = null;

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

  /** How many messages were logged now; a sweep already under way is shared. */
  sweep(): Promise<number> {
    this.running ??= this.run().finally(() => (this.running = null));
    return this.running;
  }

  private async run(): Promise<number> {
    const { driver, logger } = this.deps;
    if (!driver.fallbackMessage) return 0;
    let names: string[];
    try {
      names = (await this.deps.rest().listStoredRecordings()).map((r) => r.name);
    } catch (err) {
      logger.warn({ err }, 'could not list Asterisk recordings for messages the dialplan took');
      return 0;
    }
    let count = 0;
    for (const name of names) {
      if (!name.startsWith(FALLBACK_RECORDING_PREFIX) || this.logged.has(name)) continue;
      try {
        if ((await driver.fallbackMessage(name)) === 'logged') {
          this.logged.add(name);
          count += 1;
        }
      } catch (err) {
        logger.error({ err, recording: name }, 'a message the dialplan took could not be logged yet; the next sweep tries again');
      }
    }
    if (count > 0) logger.info({ count }, 'logged messages the dialplan took while the line was not connected');
    return count;
  }
}
