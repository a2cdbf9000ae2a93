// A FIFO job queue that runs one job at a time. Used per VRRP instance / sync group so that its
// notify scripts run in the order of its transitions and never overtake each other (keepalived forks
// them all at once, so a slow notify_backup can finish after the following notify_master; see
// keepalived issues #1055/#996). A failing job never stops the queue.
export type Job = () => Promise<unknown>;

export class SerialQueue {
  private readonly jobs: Job[] = [];
  private active = false;
  private idleWaiters: Array<() => void> = [];

  /** Number of jobs waiting (not counting the one running). */
  get pending(): number {
    return this.jobs.length;
  }

  get busy(): boolean {
    return this.active;
  }

  push(job: Job): void {
    this.jobs.push(job);
    if (!this.active) void this.drain();
  }

  /** Resolves once the queue is empty and nothing runs. */
  idle(): Promise<void> {
    if (!this.active && this.jobs.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Drop jobs that have not started yet (shutdown); returns how many were dropped. */
  clear(): number {
    const n = this.jobs.length;
    this.jobs.length = 0;
    return n;
  }

  private async drain(): Promise<void> {
    this.active = true;
    for (let job = this.jobs.shift(); job; job = this.jobs.shift()) {
      try {
        await job();
      } catch {
        // Jobs report their own failures; the queue must keep going.
      }
    }
    this.active = false;
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }
}
