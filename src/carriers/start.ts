// Starts the carriers a configuration asks for and adds them to the line:
// Asterisk when ARI_URL is set, and the Twilio webhooks always (the fallback).
import { hostname } from 'node:os';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { Line } from '../runtime.ts';
import { redisAppLease } from '../store/live/app-lease.ts';
import { createAriCarrier, type AriCarrierStatus } from './ari/carrier.ts';
import { AppHolder } from './ari/holder.ts';
import { ariSettings } from './ari/settings.ts';
import { soundsCheckResult } from './ari/sounds.ts';
import { realTimers } from './ari/timers.ts';
import { twilioComponent } from './twilio/component.ts';

export async function startCarriers(line: Line): Promise<void> {
  const { config, logger } = line;
  const settings = ariSettings(config);
  const ari = settings
    ? createAriCarrier({ settings, driver: line.calls, logger, timers: { ...realTimers, now: line.clock }, ...holderFor(config, logger, settings.app) })
    : null;
  if (ari) {
    ari.start();
    line.components.push({
      name: 'asterisk',
      carrierStatus: () => ari.status(),
      // Asterisk down is reported, but the instance still takes calls over Twilio.
      checks: () => [
        { name: 'asterisk', optional: true, run: async () => asteriskCheck(ari.status()) },
        // A missing prompt is a caller hearing silence: named here before the first call.
        { name: 'asterisk-sounds', optional: true, run: async () => soundsCheckResult(await ari.sounds.recent()) },
      ],
      stop: () => ari.stop(),
    });
  } else {
    logger.warn('Asterisk carrier is off: ARI_URL is not set (calls can still arrive over Twilio)');
  }
  // A standby is not connected, but the holder it sees is (or the lease would have passed to it).
  const asteriskHealthy = () => {
    const s = ari?.status();
    return s !== undefined && (s.state === 'connected' || (s.role === 'standby' && s.heldBy !== null));
  };
  line.components.push(twilioComponent(line, { isAsteriskHealthy: asteriskHealthy }));
}

/**
 * With Redis, every instance with ARI_URL may run the application: one holds it on a
 * lease and the others stand by. Without Redis there is one instance, which holds it
 * from the start.
 */
export function holderFor(config: Config, logger: Logger, app: string): { holder?: AppHolder } {
  if (!config.REDIS_URL) return {};
  const renewMs = config.ARI_LEASE_RENEW_SECONDS * 1000;
  const lease = redisAppLease({
    url: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
    name: app,
    commandTimeoutMs: renewMs,
    onError: (err) => logger.debug({ err }, 'ARI lease: redis error'),
  });
  return {
    holder: new AppHolder({
      lease,
      owner: config.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
      ttlMs: config.ARI_LEASE_TTL_SECONDS * 1000,
      renewMs,
      graceMs: config.ARI_FAILOVER_GRACE_SECONDS * 1000,
      logger,
    }),
  };
}

export function asteriskCheck(s: AriCarrierStatus): { ok: boolean; detail: string } {
  if (s.role === 'standby') {
    return s.heldBy === null
      ? { ok: false, detail: 'standby; no instance holds the application' }
      : { ok: true, detail: `standby; ${s.heldBy} holds the application` };
  }
  const role = s.role === 'holder' ? 'holds the application; ' : '';
  return { ok: s.state === 'connected', detail: `${role}${s.state}; ${s.activeCalls} calls; ${s.reconnects} reconnects${s.lastError ? `; last error: ${s.lastError}` : ''}` };
}
