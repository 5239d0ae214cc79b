// What every benchmark section is given: the run's size, where to write, how to talk.
export const SECTIONS = ['flow', 'ari', 'twilio', 'sla', 'db', 'asterisk', 'burst'] as const;
export type SectionName = (typeof SECTIONS)[number];

export interface BenchOptions {
  /** Small sizes, a few seconds: proves the harness, measures nothing worth quoting. */
  smoke: boolean;
  only: readonly SectionName[];
  /** Rebuild the 1M-row database even if it holds the data. */
  fresh: boolean;
  /** Profile missed targets with `node --cpu-prof` (on by default in a full run). */
  profile: boolean;
  /** Where results.json and results.md go. */
  outDir: string;
  databaseUrl: string;
  redisUrl: string;
}

export interface SectionContext {
  options: BenchOptions;
  /** A progress line on stderr (stdout carries the table). */
  log(message: string): void;
}

export function isSectionName(value: string): value is SectionName {
  return (SECTIONS as readonly string[]).includes(value);
}
