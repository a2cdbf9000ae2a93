// Spacing between packets on one interface (vrrp_garp_interval / vrrp_gna_interval, garp_group):
// jobs run in order, at most one per `intervalMs`. With 0 they run at once, synchronously.
export class Pacer {
  private readonly queue: Array<{ go: () => void; cancel: (e: Error) => void }> = [];
  private lastRun = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private intervalMs = 0, private readonly now: () => number = () => performance.now()) {
    if (!(intervalMs >= 0)) throw new Error(`interval ${intervalMs} must be >= 0`);
  }

  setInterval(ms: number): void {
    if (!(ms >= 0)) throw new Error(`interval ${ms} must be >= 0`);
    this.intervalMs = ms;
  }

  get pending(): number { return this.queue.length; }

  /** Queue a job; the promise settles when it has run (rejects if the pacer is closed first). */
  run<T>(job: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('pacer closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ go: () => { try { resolve(job()); } catch (e) { reject(e); } }, cancel: reject });
      this.kick();
    });
  }

  private kick(): void {
    while (this.queue.length > 0 && !this.timer) {
      const wait = this.lastRun + this.intervalMs - this.now();
      if (this.intervalMs > 0 && wait > 0) {
        this.timer = setTimeout(() => { this.timer = undefined; this.kick(); }, Math.ceil(wait));
        return;
      }
      this.lastRun = this.now();
      this.queue.shift()!.go();
    }
  }

  /** Drop queued jobs (their promises reject) and stop the timer. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    for (const j of this.queue.splice(0)) j.cancel(new Error('pacer closed'));
  }
}
