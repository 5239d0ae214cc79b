// SMS through Twilio: the alert's line and how to acknowledge it, to one phone.
import { alertSms } from '../domain/tickets/alerts.ts';
import type { ChannelSender } from './types.ts';

/** What the channel needs of Twilio (src/carriers/twilio/rest.ts `TwilioRest`). */
export interface SmsSender {
  sendSms(to: string, body: string): Promise<{ sid: string; status: string }>;
}

export function smsChannel(sender: SmsSender): ChannelSender {
  return {
    channel: 'sms',
    async deliver(n) {
      await sender.sendSms(n.recipient, alertSms(n.payload, n.id));
    },
  };
}
