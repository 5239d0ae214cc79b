// The line checks its own sounds: every prompt it plays and every core sound the flow
// can ask for must exist in Asterisk, or a caller hears silence where a prompt, a
// ticket reference or the beep should be. Asterisk is asked (GET /ari/sounds, which
// scans its sounds folder afresh each time) on connect and, at most every CACHE_MS,
// when /readyz asks; each missing sound is named there and in one log line.
import type { Logger } from 'pino';
import catalogue from '../../../prompts/catalogue.json' with { type: 'json' };
import { CORE_SOUNDS } from './media.ts';
import type { AriRest } from './rest.ts';
import type { Timers } from './timers.ts';

/** A /readyz poll re-asks Asterisk only when the last answer is older than this. */
const CACHE_MS = 30_000;
/** The language of the channels (sounds/en); our prompts are rendered for it. */
const LANGUAGE = 'en';

export interface SoundReport {
  at: Date;
  /** Sound ids Asterisk does not have, e.g. `support-line/greeting`, `digits/7`. */
  missing: string[];
  expected: number;
  /** Asterisk could not be asked. */
  error: string | null;
}

/** Every sound the line can play: its prompts under `folder`, then the core sounds. */
export function soundsNeeded(folder: string): string[] {
  return [...Object.keys(catalogue).map((id) => `${folder}/${id}`), ...CORE_SOUNDS];
}

export class SoundCheck {
  private last: SoundReport | null = null;
  private running: Promise<SoundReport> | null = null;
  /** What the last log line said was missing (null: nothing logged yet, so "all present" is said once too). */
  private loggedMissing: string | null = null;

  constructor(
    private readonly deps: { rest: () => AriRest; folder: string; timers: Timers; logger: Logger },
  ) {}

  /** Asks Asterisk now (a check already under way is shared). */
  check(): Promise<SoundReport> {
    this.running ??= this.ask().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  /** The last answer if recent enough, else a fresh one. */
  async recent(): Promise<SoundReport> {
    const last = this.last;
    if (last && last.error === null && this.deps.timers.now().getTime() - last.at.getTime() < CACHE_MS) return last;
    return this.check();
  }

  private async ask(): Promise<SoundReport> {
    const needed = soundsNeeded(this.deps.folder);
    const at = this.deps.timers.now();
    let report: SoundReport;
    try {
      const sounds = await this.deps.rest().listSounds(LANGUAGE);
      const present = new Set(sounds.filter((s) => s.formats.some((f) => f.language === LANGUAGE)).map((s) => s.id));
      report = { at, missing: needed.filter((id) => !present.has(id)), expected: needed.length, error: null };
    } catch (err) {
      report = { at, missing: [], expected: needed.length, error: err instanceof Error ? err.message : String(err) };
    }
    this.last = report;
    const key = report.missing.join(',');
    if (report.error === null && key !== this.loggedMissing) {
      this.loggedMissing = key;
      if (report.missing.length > 0) {
        this.deps.logger.error(
          { missing: report.missing, language: LANGUAGE },
          `Asterisk lacks ${report.missing.length} of the ${report.expected} sounds the line plays: callers will hear silence there`,
        );
      } else {
        this.deps.logger.info({ sounds: report.expected }, 'Asterisk has every sound the line plays');
      }
    }
    return report;
  }
}

/** The /readyz check `asterisk-sounds`. */
export function soundsCheckResult(report: SoundReport): { ok: boolean; detail: string } {
  if (report.error !== null) return { ok: false, detail: `could not ask Asterisk for its sounds: ${report.error}` };
  if (report.missing.length === 0) return { ok: true, detail: `all ${report.expected} sounds present` };
  return { ok: false, detail: `missing in Asterisk (${LANGUAGE}): ${report.missing.join(', ')}` };
}
