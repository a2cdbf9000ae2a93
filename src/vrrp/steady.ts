// Steady state: when may the runtime let the offload thread repeat a step instead of running the fsm?
//
// A master's advert timer and a backup's "same advert again" are the only events of a quiet network.
// Rather than encoding here what the fsm does with them (and silently diverging when it changes), we
// ask the fsm itself: step() is pure, so the runtime can try the event on a copy of the state and look
// at the answer. A step may be repeated outside the fsm only if its whole effect is "send this advert"
// or "restart this timer at a fixed distance", whatever the time, and the state is otherwise unchanged.
import { step, TIMER_NAMES, type Action, type FsmEvent, type InstanceState, type TimerName } from './fsm.js';

/** Durations compared across far-apart times: equal up to floating-point rounding. */
function near(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6 * Math.max(1, Math.abs(a));
}

/** Same state apart from the due time of `timer`. */
function sameBut(a: InstanceState, b: InstanceState, timer: TimerName): boolean {
  for (const k of Object.keys(a) as Array<keyof InstanceState>) {
    if (k !== 'timers' && a[k] !== b[k]) return false;
  }
  return TIMER_NAMES.every((t) => t === timer || a.timers[t] === b.timers[t]);
}

function onlySetTimer(acts: readonly Action[], timer: TimerName): number | undefined {
  const [a] = acts;
  return acts.length === 1 && a && a.type === 'set-timer' && a.timer === timer ? a.due : undefined;
}

export interface PeriodicAdvert { due: number; intervalMs: number; priority: number }

/**
 * If the armed advert timer of `s` would, now and at every later firing, only send an advert at one
 * priority and re-arm itself one interval later, return that schedule; else undefined.
 */
export function periodicAdvert(s: InstanceState): PeriodicAdvert | undefined {
  const due = s.timers.advert;
  if (due === null) return undefined;
  let cur = s, at = due, interval: number | undefined, priority: number | undefined;
  // Two firings: the first shows the cadence, the second that it repeats from the state it leaves.
  for (let i = 0; i < 2; i++) {
    const r = step(cur, { type: 'timer-fired', timer: 'advert', due: at }, at);
    const [send, arm] = r.actions;
    if (r.actions.length !== 2 || send?.type !== 'send-advert' || arm?.type !== 'set-timer' || arm.timer !== 'advert') return undefined;
    if (!sameBut(cur, r.state, 'advert')) return undefined;
    if ((interval !== undefined && !near(arm.due - at, interval)) || (priority !== undefined && send.priority !== priority)) return undefined;
    interval = arm.due - at;
    priority = send.priority;
    if (!(interval > 0)) return undefined;
    cur = r.state;
    at = arm.due;
  }
  return { due, intervalMs: interval!, priority: priority! };
}

/**
 * If receiving `ev` (an advert) again in state `s`, at any later time t, would only restart the
 * master-down timer at t + D, return D; else undefined. Probed near and far in time so that windows
 * that close later (preempt_delay, an owner conflict) rule it out.
 */
export function repeatedAdvertHold(s: InstanceState, ev: FsmEvent & { type: 'advert-received' }, at: number): number | undefined {
  let d: number | undefined;
  for (const t of [at + 1, at + 1e9]) {
    const r = step(s, ev, t);
    const due = onlySetTimer(r.actions, 'master-down');
    if (due === undefined || !sameBut(s, r.state, 'master-down')) return undefined;
    if (d !== undefined && !near(due - t, d)) return undefined;
    d = due - t;
  }
  return d !== undefined && d > 0 ? d : undefined;
}
