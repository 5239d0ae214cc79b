// The outgoing webhook: a JSON POST to NOTIFY_WEBHOOK_URL, signed so the receiver
// knows it came from us and is fresh.
//
//   X-Support-Line-Timestamp: <unix seconds>
//   X-Support-Line-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>" with NOTIFY_WEBHOOK_SECRET>
//   X-Support-Line-Delivery:  <notification id> (the same on a retry: receivers de-duplicate by it)
//
// The timestamp is inside the signed content, so a captured request cannot be
// replayed later with a new timestamp; receivers refuse one more than 5 minutes off.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isCustomerText } from '../domain/tickets/customer-text.ts';
import { alertText } from '../domain/tickets/alerts.ts';
import type { NotificationRecord } from '../store/notifications.ts';
import type { ChannelSender } from './types.ts';

export const SIGNATURE_HEADER = 'X-Support-Line-Signature';
export const TIMESTAMP_HEADER = 'X-Support-Line-Timestamp';
export const DELIVERY_HEADER = 'X-Support-Line-Delivery';
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, timestamp: string, rawBody: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

/** For receivers (and our tests): the signature matches and the timestamp is fresh. */
export function verifyWebhook(
  secret: string,
  request: { rawBody: string; timestamp: string | undefined; signature: string | undefined },
  now: Date,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const { timestamp, signature } = request;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, request.rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The JSON a receiver gets. */
export function webhookBody(n: NotificationRecord): string {
  const p = n.payload;
  if (isCustomerText(p)) return JSON.stringify({ id: n.id, event: n.eventKey, kind: p.kind, text: p.text, ticket: p.ticket, at: p.at });
  return JSON.stringify({
    id: n.id,
    event: n.eventKey,
    kind: p.kind,
    text: alertText(p),
    ticket: p.ticket,
    account: p.account,
    target: p.target,
    dueAt: p.dueAt,
    at: p.at,
    serviceCredit: p.serviceCredit,
  });
}

export interface WebhookOptions {
  url: string;
  secret: string;
  /** Replaceable for tests; the global fetch otherwise. */
  fetch?: typeof fetch;
  timeoutMs?: number;
}

export function webhookChannel(opts: WebhookOptions): ChannelSender {
  const send = opts.fetch ?? fetch;
  return {
    channel: 'webhook',
    async deliver(n, at) {
      const body = webhookBody(n);
      const timestamp = String(Math.floor(at.getTime() / 1000));
      const res = await send(opts.url, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: signWebhook(opts.secret, timestamp, body),
          [DELIVERY_HEADER]: n.id,
        },
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      // Read the answer so the connection can be reused; its content is not ours to log.
      await res.arrayBuffer().catch(() => undefined);
      if (!res.ok) throw new Error(`the webhook answered ${res.status}`);
    },
  };
}
