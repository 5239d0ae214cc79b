// Structured logs. PINs, passwords and credentials are redacted wherever they appear.
import pino, { type Logger } from 'pino';

export const REDACT_PATHS = [
  'pin',
  '*.pin',
  '*.*.pin',
  'password',
  '*.password',
  'authToken',
  '*.authToken',
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'headers.cookie',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'support-line' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
