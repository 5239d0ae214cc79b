// Active/standby for the Stasis application. Asterisk gives an application to one
// event connection at a time, so with several instances one holds a lease and runs the
// application; the others stand by and take the lease when it lapses (the holder died)
// or is given up (the holder lost Asterisk, or stopped).
//
// The holder may act only while its lease surely runs: until the moment the last
// successful renewal was *sent* plus the lease's time, less a margin for clock drift.
// Redis counts the same time from when it received that renewal, so the lease cannot
// lapse (and a standby cannot take it) before this instance has stopped acting. Every
// ARI request asks mayAct() first (rest.ts), so a step already under way when the
// lease lapses cannot reach Asterisk either.
//
// The lease runs on the real clock (Redis's), never on the calls' timers.
import type { Logger } from 'pino';
import type { AppLeaseStore, LeaseTerm } from '../../store/live/app-lease.ts';

export interface HolderTiming {
  /** How long a lease runs without renewal (ARI_LEASE_TTL_SECONDS). */
  ttlMs: number;
  /** How often the holder renews and a standby looks (ARI_LEASE_RENEW_SECONDS). */
  renewMs: number;
  /** How long the holder may be without Asterisk before it gives the lease up (ARI_FAILOVER_GRACE_SECONDS). */
  graceMs: number;
}

/** How this instance came to hold the application: first to look, or after another holder. */
export type TakenAfter = 'start' | 'failover';

export interface HolderHandlers {
  /** This instance holds the application now: connect it and resume calls. */
  onHold(after: TakenAfter, token: number): void;
  /** It does not any more: stop acting at once (the calls stay in Asterisk for the next holder). */
  onRelease(why: string): void;
}

export type HolderRole = 'standby' | 'holder' | 'stopped';

export interface HolderStatus {
  role: HolderRole;
  /** Who holds the application, as last seen (this instance's own name while it holds it). */
  heldBy: string | null;
  /** This term's fencing token while holding. */
  token: number | null;
  /** Times this instance took the application. */
  terms: number;
  /** Successful renewals in all terms. */
  renewals: number;
  lastError: string | null;
}

export interface AppHolderOptions extends HolderTiming {
  lease: AppLeaseStore;
  /** This instance's name (INSTANCE_ID). */
  owner: string;
  logger: Logger;
  /** Milliseconds on a clock that only moves forward (default performance.now). */
  now?: () => number;
}

export class AppHolder {
  private role: HolderRole = 'stopped';
  private term: LeaseTerm | null = null;
  /** Until when this term may act (see the top of the file). */
  private deadline = 0;
  private asteriskDownSince: number | null = null;
  /** After giving the lease up for want of Asterisk: leave the others a turn first. */
  private pauseUntil = 0;
  private sawOther = false;
  private heldBy: string | null = null;
  private terms = 0;
  private renewals = 0;
  private lastError: string | null = null;
  private tickTimer: ReturnType<typeof setTimeout> | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | null = null;
  private ticking: Promise<void> | null = null;
  private handlers: HolderHandlers | null = null;
  private readonly now: () => number;
  private readonly margin: number;
  private readonly log: Logger;

  constructor(private readonly o: AppHolderOptions) {
    if (!(o.renewMs < o.ttlMs)) throw new Error('the lease must be renewed more often than it lapses');
    this.now = o.now ?? (() => performance.now());
    this.margin = Math.max(50, Math.round(o.ttlMs / 20));
    this.log = o.logger.child({ component: 'ari-lease', instance: o.owner });
  }

  /** True only while this instance holds the lease and it surely has not lapsed. */
  mayAct(): boolean {
    return this.role === 'holder' && this.now() < this.deadline;
  }

  /** The application's event connection is up: the holder keeps the lease. */
  asteriskConnected(): void {
    this.asteriskDownSince = null;
  }

  /** It went down: unless it is back within the grace, the holder gives the lease up. */
  asteriskLost(): void {
    if (this.role === 'holder') this.asteriskDownSince ??= this.now();
  }

  status(): HolderStatus {
    return { role: this.role, heldBy: this.heldBy, token: this.term?.token ?? null, terms: this.terms, renewals: this.renewals, lastError: this.lastError };
  }

  start(handlers: HolderHandlers): void {
    if (this.role !== 'stopped') return;
    this.handlers = handlers;
    this.role = 'standby';
    this.log.info('standing by for the Asterisk application');
    this.schedule(0);
  }

  /** Stops looking; a held lease is given up so a standby takes over without waiting for it to lapse. */
  async stop(): Promise<void> {
    const term = this.role === 'holder' ? this.term : null;
    this.role = 'stopped';
    this.handlers = null;
    this.clearTimers();
    await this.ticking;
    if (term) await this.o.lease.release(term).catch((err: unknown) => this.log.warn({ err }, 'could not give the lease up: it lapses by itself'));
    this.term = null;
    await this.o.lease.close();
  }

  private schedule(ms: number): void {
    if (this.role === 'stopped') return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.ticking = this.tick().finally(() => {
        this.ticking = null;
        this.schedule(this.o.renewMs);
      });
    }, ms);
    this.tickTimer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (this.role === 'standby') await this.tryToTake();
      else if (this.role === 'holder') await this.keep();
    } catch (err) {
      this.failed(err);
    }
  }

  private async tryToTake(): Promise<void> {
    if (this.now() < this.pauseUntil) return;
    const sentAt = this.now();
    const result = await this.o.lease.acquire(this.o.owner, this.o.ttlMs);
    this.recovered();
    if (this.role !== 'standby') {
      // Stopped while asking: give back what was just taken.
      if (result.taken) await this.o.lease.release(result.term).catch(() => undefined);
      return;
    }
    if (!result.taken) {
      if (result.heldBy !== this.heldBy) this.log.info({ heldBy: result.heldBy }, 'the Asterisk application is held by another instance');
      this.heldBy = result.heldBy;
      if (result.heldBy !== this.o.owner) this.sawOther = true;
      return;
    }
    const after: TakenAfter = this.sawOther ? 'failover' : 'start';
    this.role = 'holder';
    this.term = result.term;
    this.heldBy = this.o.owner;
    this.terms += 1;
    // Not connected yet: the grace runs from now until the connection is up.
    this.asteriskDownSince = this.now();
    this.extend(sentAt);
    this.log.info({ token: result.term.token, after }, 'took the Asterisk application');
    this.handlers?.onHold(after, result.term.token);
  }

  private async keep(): Promise<void> {
    const term = this.term;
    if (!term) return;
    if (!this.mayAct()) return this.lose('its lease lapsed before it could be renewed');
    if (this.asteriskDownSince !== null && this.now() - this.asteriskDownSince >= this.o.graceMs) {
      this.lose(`no connection to Asterisk for ${Math.round(this.o.graceMs / 1000)} s: giving the application to another instance`);
      this.pauseUntil = this.now() + this.o.ttlMs;
      await this.o.lease.release(term).catch((err: unknown) => this.log.warn({ err }, 'could not give the lease up: it lapses by itself'));
      return;
    }
    const sentAt = this.now();
    const renewed = await this.o.lease.renew(term, this.o.ttlMs);
    this.recovered();
    if (this.term !== term || this.role !== 'holder') return;
    if (renewed) {
      this.renewals += 1;
      this.extend(sentAt);
    } else this.lose('another instance holds the lease now');
  }

  private extend(sentAt: number): void {
    this.deadline = Math.max(this.deadline, sentAt + this.o.ttlMs - this.margin);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    // Stop at the deadline itself, not at the next tick after it.
    this.expiryTimer = setTimeout(() => {
      this.expiryTimer = null;
      if (this.role === 'holder' && !this.mayAct()) this.lose('its lease lapsed before it could be renewed');
    }, Math.max(0, this.deadline - this.now()) + 1);
    this.expiryTimer.unref();
  }

  private lose(why: string): void {
    if (this.role !== 'holder') return;
    this.role = 'standby';
    this.term = null;
    this.deadline = 0;
    this.heldBy = null;
    this.asteriskDownSince = null;
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.log.warn({ why }, 'gave up the Asterisk application');
    this.handlers?.onRelease(why);
  }

  private failed(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    if (this.lastError === null) this.log.warn({ err, role: this.role }, 'could not reach the lease in Redis');
    this.lastError = message;
  }

  private recovered(): void {
    if (this.lastError !== null) this.log.info('the lease in Redis answers again');
    this.lastError = null;
  }

  private clearTimers(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.tickTimer = null;
    this.expiryTimer = null;
  }
}
