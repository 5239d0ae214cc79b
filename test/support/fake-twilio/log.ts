// A pino logger whose lines the test can read back.
import pino, { type Logger } from 'pino';

export interface CapturedLog {
  logger: Logger;
  lines: Array<{ level: number; msg: string } & Record<string, unknown>>;
  /** Lines at warn (40) or above whose message contains `text`. */
  warnings(text?: string): CapturedLog['lines'];
}

export function captureLogger(): CapturedLog {
  const lines: CapturedLog['lines'] = [];
  const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  return {
    logger,
    lines,
    warnings: (text) => lines.filter((l) => l.level >= 40 && (text === undefined || String(l.msg).includes(text))),
  };
}
