// keepalived's vrrp_script result counter (vrrp_scheduler.c), as a pure state machine.
//
// The counter `result` runs from 0 to rise+fall-1; the script is OK while result >= rise.
//   success: below rise-1 -> count up (no change); otherwise -> jump to rise+fall-1, and if we were
//            not OK this is the transition to OK.
//   failure: above rise   -> count down (still OK); otherwise -> drop to 0, and if we were OK (or the
//            state was still unknown) this is the transition to FAILED.
// So `fall` consecutive failures take an OK script down and `rise` consecutive successes bring a
// failed one up. Initial state: unknown with result = rise-1, so the FIRST result decides either
// way; with `init_fail` the script starts FAILED (result 0) and needs `rise` successes.
export type ScriptState = 'unknown' | 'up' | 'down';

export class RiseFallCounter {
  private result: number;
  private current: ScriptState;

  constructor(readonly rise = 1, readonly fall = 1, initFail = false) {
    if (!(rise >= 1) || !(fall >= 1)) throw new RangeError('rise and fall must be >= 1');
    this.result = initFail ? 0 : rise - 1;
    this.current = initFail ? 'down' : 'unknown';
  }

  get state(): ScriptState {
    return this.current;
  }

  /** Record one script outcome; returns the new state when it changed, else undefined. */
  record(success: boolean): ScriptState | undefined {
    const before = this.current;
    if (success) {
      if (this.result < this.rise - 1) this.result++;
      else {
        this.result = this.rise + this.fall - 1;
        this.current = 'up';
      }
    } else if (this.result > this.rise) {
      this.result--;
    } else {
      this.result = 0;
      this.current = 'down';
    }
    return this.current !== before ? this.current : undefined;
  }
}
