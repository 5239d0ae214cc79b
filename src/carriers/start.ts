// Starts the carriers a configuration asks for and adds them to the line:
// Asterisk when ARI_URL is set, and the Twilio webhooks always (the fallback).
import type { Line } from '../runtime.ts';
import { createAriCarrier } from './ari/carrier.ts';
import { ariSettings } from './ari/settings.ts';
import { realTimers } from './ari/timers.ts';
import { twilioComponent } from './twilio/component.ts';

export async function startCarriers(line: Line): Promise<void> {
  const { config, logger } = line;
  const settings = ariSettings(config);
  const ari = settings ? createAriCarrier({ settings, driver: line.calls, logger, timers: { ...realTimers, now: line.clock } }) : null;
  if (ari) {
    ari.start();
    line.components.push({
      name: 'asterisk',
      carrierStatus: () => ari.status(),
      // Asterisk down is reported, but the instance still takes calls over Twilio.
      checks: () => [
        {
          name: 'asterisk',
          optional: true,
          run: async () => {
            const s = ari.status();
            return { ok: s.state === 'connected', detail: `${s.state}; ${s.activeCalls} calls; ${s.reconnects} reconnects${s.lastError ? `; last error: ${s.lastError}` : ''}` };
          },
        },
      ],
      stop: () => ari.stop(),
    });
  } else {
    logger.warn('Asterisk carrier is off: ARI_URL is not set (calls can still arrive over Twilio)');
  }
  line.components.push(twilioComponent(line, { isAsteriskHealthy: () => ari?.status().state === 'connected' }));
}
