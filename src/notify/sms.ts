// SMS through Twilio: the alert's line and how to acknowledge it, to one phone.
import { alertSms } from '../domain/tickets/alerts.ts';
import { isCustomerText } from '../domain/tickets/customer-text.ts';
import type { ChannelSender } from './types.ts';

/** What the channel needs of Twilio (src/carriers/twilio/rest.ts `TwilioRest`). */
export interface SmsSender {
  sendSms(to: string, body: string): Promise<{ sid: string; status: string }>;
}

export function smsChannel(sender: SmsSender): ChannelSender {
  return {
    channel: 'sms',
    async deliver(n) {
      // A customer's text is their words alone; staff read how to acknowledge.
      await sender.sendSms(n.recipient, isCustomerText(n.payload) ? n.payload.text : alertSms(n.payload, n.id));
    },
  };
}
