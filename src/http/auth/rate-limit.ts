// Sign-in rate limits, counted in the live store so every instance shares them:
// a few tries per email address (a right password clears them) and more per IP
// address (an office behind one NAT signs in together). Over either, 429.
import { createHash } from 'node:crypto';
import type { LiveStore } from '../../store/live/live-store.ts';
import type { SignInLimits } from '../console/deps.ts';

export interface Verdict {
  allowed: boolean;
  /** Seconds until the client may try again, when not allowed. */
  retryAfterSeconds: number;
}

// Emails are hashed into the key: the live store need not hold who tried to sign in.
const emailKey = (email: string) => `signin:email:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex').slice(0, 32)}`;
const ipKey = (ip: string) => `signin:ip:${ip}`;

/** Counts this attempt against both limits. */
export async function countSignIn(live: LiveStore, limits: SignInLimits, email: string, ip: string): Promise<Verdict> {
  const [byEmail, byIp] = await Promise.all([
    live.hit(emailKey(email), limits.windowMs),
    live.hit(ipKey(ip), limits.windowMs),
  ]);
  const over = [
    byEmail.count > limits.perEmail ? byEmail.resetMs : 0,
    byIp.count > limits.perIp ? byIp.resetMs : 0,
  ];
  const wait = Math.max(...over);
  return { allowed: wait === 0, retryAfterSeconds: Math.max(1, Math.ceil(wait / 1000)) };
}

/** A right password: the email's failures are forgotten (the IP's count stands). */
export async function signedIn(live: LiveStore, email: string): Promise<void> {
  await live.clearHits(emailKey(email));
}
