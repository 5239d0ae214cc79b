// Which channels this instance can deliver on, from the one parsed config:
//   sms     — Twilio (TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN) from TWILIO_CALLER_ID;
//   webhook — NOTIFY_WEBHOOK_URL, signed with NOTIFY_WEBHOOK_SECRET;
//   feed    — always (feed_entries and the live store's `feed` channel).
import type { Logger } from 'pino';
import type { Config } from '../config.ts';
import { createTwilioRest, type TwilioHttpClient } from '../carriers/twilio/rest.ts';
import type { Db } from '../store/db.ts';
import type { LiveStore } from '../store/live/live-store.ts';
import { feedChannel } from './feed.ts';
import type { AlertRouting } from './outbox.ts';
import { smsChannel } from './sms.ts';
import type { ChannelSender } from './types.ts';
import { webhookChannel } from './webhook.ts';

type NotifyConfig = Pick<
  Config,
  | 'TWILIO_ACCOUNT_SID'
  | 'TWILIO_AUTH_TOKEN'
  | 'TWILIO_CALLER_ID'
  | 'TWILIO_VOICE'
  | 'TWILIO_PROMPTS'
  | 'NOTIFY_WEBHOOK_URL'
  | 'NOTIFY_WEBHOOK_SECRET'
  | 'DUTY_MANAGER_PHONE'
  | 'publicBaseUrl'
>;

const smsConfigured = (c: NotifyConfig) => Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_CALLER_ID);
const webhookConfigured = (c: NotifyConfig) => Boolean(c.NOTIFY_WEBHOOK_URL && c.NOTIFY_WEBHOOK_SECRET);

/** What the SLA watcher queues: who, and on which channels. */
export function routingFromConfig(c: NotifyConfig): AlertRouting {
  return { dutyManagerPhone: c.DUTY_MANAGER_PHONE ?? null, sms: smsConfigured(c), webhook: webhookConfigured(c) };
}

/** The senders the notifier delivers with. */
export function channelsFromConfig(
  c: NotifyConfig,
  deps: { db: Db; live: LiveStore | null; logger: Logger; twilioHttpClient?: TwilioHttpClient },
): ChannelSender[] {
  const channels: ChannelSender[] = [feedChannel(deps.db, deps.live, deps.logger)];
  if (smsConfigured(c)) {
    const rest = createTwilioRest({
      accountSid: c.TWILIO_ACCOUNT_SID!,
      authToken: c.TWILIO_AUTH_TOKEN!,
      from: c.TWILIO_CALLER_ID!,
      publicBaseUrl: c.publicBaseUrl,
      voice: { voice: c.TWILIO_VOICE, prompts: c.TWILIO_PROMPTS, promptsExtension: 'wav' },
      logger: deps.logger,
      ...(deps.twilioHttpClient ? { httpClient: deps.twilioHttpClient } : {}),
    });
    channels.push(smsChannel(rest));
  }
  if (webhookConfigured(c)) {
    channels.push(webhookChannel({ url: c.NOTIFY_WEBHOOK_URL!, secret: c.NOTIFY_WEBHOOK_SECRET! }));
  }
  return channels;
}
