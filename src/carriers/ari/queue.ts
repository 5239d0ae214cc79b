// One call's events and timers, handled one at a time in arrival order, so a key
// press can never overtake the playback it interrupts. The counter tells the tests
// (and shutdown) when nothing is left in flight.

export class WorkCounter {
  private count = 0;
  private waiters: Array<() => void> = [];
  /** Queue tasks under way (the rest of `pending` waits behind them, or is tracked). */
  running = 0;
  /** Promises counted by track(). */
  tracked = 0;

  get pending(): number {
    return this.count;
  }

  begin(): void {
    this.count += 1;
  }

  end(): void {
    this.count -= 1;
    if (this.count === 0) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w();
    }
  }

  /** Resolves when nothing is pending (now, or later). */
  drained(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Counts a promise that nobody awaits (a timeline note) until it settles. */
  track(promise: Promise<unknown>): void {
    this.begin();
    this.tracked += 1;
    void promise.finally(() => {
      this.tracked -= 1;
      this.end();
    });
  }
}

export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly work: WorkCounter,
    private readonly onError: (err: unknown) => void,
  ) {}

  run(task: () => Promise<void> | void): void {
    this.work.begin();
    const work = this.work;
    this.tail = this.tail
      .then(async () => {
        work.running += 1;
        try {
          await task();
        } finally {
          work.running -= 1;
        }
      })
      .catch((err: unknown) => {
        try {
          this.onError(err);
        } catch {
          // the error handler must not stop the queue
        }
      })
      .finally(() => this.work.end());
  }
}
