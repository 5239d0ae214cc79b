// Logs for a person at a terminal: pino-pretty's one readable line per entry when
// stdout is a TTY, else nothing (pino's JSON lines, for a log collector). pino-pretty
// is a development package: where it is not installed (a production image) the
// logs stay JSON.
import type { DestinationStream } from 'pino';

export async function terminalLogStream(stdout: NodeJS.WriteStream): Promise<DestinationStream | undefined> {
  if (!stdout.isTTY) return undefined;
  try {
    const { default: pretty } = await import('pino-pretty');
    return pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', destination: 1 });
  } catch {
    return undefined;
  }
}
