// A notification channel delivers one outbox row, or throws saying why not (the
// notifier then retries it with backoff). Delivering the same row twice must be
// harmless where the channel allows it: the webhook sends a delivery id, the
// feed writes once per notification.
import type { Channel, NotificationRecord } from '../store/notifications.ts';

export interface ChannelSender {
  readonly channel: Channel;
  deliver(n: NotificationRecord, at: Date): Promise<void>;
}

/** The failure worth recording, without internals a provider might echo. */
export function deliveryError(err: unknown): string {
  if (err instanceof Error) {
    const e = err as Error & { status?: number; code?: number | string };
    const parts = [e.status ? `status ${e.status}` : null, e.code ? `code ${e.code}` : null, e.message].filter(Boolean);
    return parts.join(': ').slice(0, 500);
  }
  return String(err).slice(0, 500);
}
