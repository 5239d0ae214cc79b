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
      serializers: { err: serializeError },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/**
 * pino's error serializer, without the objects some libraries hang on their errors
 * (`pg` puts the whole client, with its connection parameters, on `err.client`).
 */
export function serializeError(err: unknown): unknown {
  if (!(err instanceof Error)) return err;
  const out = pino.stdSerializers.err(err) as unknown as Record<string, unknown>;
  for (const key of ['client', 'connection', 'request', 'response', 'config']) delete out[key];
  return out;
}

export type { Logger };
