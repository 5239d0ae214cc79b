// The console's feed: a row in feed_entries (what a supervisor sees on opening the
// console) and a message on the live store's `feed` channel (what an open console
// sees at once). The row is the delivery; the live message is best effort.
import type { Logger } from 'pino';
import { alertText } from '../domain/tickets/alerts.ts';
import { isCustomerText, type NotificationPayload } from '../domain/tickets/customer-text.ts';
import type { Db } from '../store/db.ts';
import type { LiveStore } from '../store/live/live-store.ts';
import { addFeedEntry } from '../store/notifications.ts';
import type { ChannelSender } from './types.ts';

export const FEED_CHANNEL = 'feed';

export function feedChannel(db: Db, live: Pick<LiveStore, 'publish'> | null, logger: Logger): ChannelSender {
  return {
    channel: 'feed',
    async deliver(n, at) {
      const { entry, created } = await addFeedEntry(db, {
        at,
        kind: n.kind,
        ticketId: n.ticketId,
        reference: n.payload.ticket.reference,
        text: feedText(n.payload),
        detail: isCustomerText(n.payload)
          ? { textedCustomer: true }
          : { target: n.payload.target, dueAt: n.payload.dueAt, serviceCredit: n.payload.serviceCredit },
        notificationId: n.id,
      });
      if (!created || !live) return;
      try {
        await live.publish(FEED_CHANNEL, JSON.stringify({ type: 'feed', entry }));
      } catch (err) {
        logger.warn({ err, notificationId: n.id }, 'feed entry saved but not pushed to open consoles');
      }
    },
  };
}

/** The feed's line: the alert, or what the customer was texted. */
function feedText(p: NotificationPayload): string {
  if (!isCustomerText(p)) return alertText(p);
  return `Texted the ${p.kind === 'assignee_sms' ? 'assignee' : 'customer'} about ${p.ticket.reference}: ${p.text}`;
}
