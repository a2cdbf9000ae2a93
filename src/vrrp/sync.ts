// vrrp_sync_group coordinator: the members of a group move together. Pure: the caller feeds it each
// member's state after every fsm step (`observe`) and delivers the returned directives to the other
// members as `{ type: 'sync', directive }` events, then observes those results too (they produce no
// further directives, because every directive only targets members that are not yet where they must be).
//
// Rules (keepalived vrrp_sync.c semantics, re-derived):
// - a member that becomes MASTER pulls the BACKUP members to MASTER;
// - a member that falls from MASTER to BACKUP (it heard a better master) pushes the other masters back;
// - a member with its own fault (interface down, weight-0 tracker) puts every other member in FAULT;
//   they stay there until no member has its own fault any more, then all re-initialise together.
import type { InstanceState, SyncDirective, VrrpState } from './fsm.js';

export interface SyncGroupState {
  readonly name: string;
  readonly members: readonly string[];
  readonly states: Readonly<Record<string, VrrpState>>;
  /** Members whose own condition is faulty (not merely following the group). */
  readonly ownFault: Readonly<Record<string, boolean>>;
  /** Members we told to FAULT and not yet to CLEAR. */
  readonly held: Readonly<Record<string, boolean>>;
}

export interface SyncDirectiveFor {
  member: string;
  directive: SyncDirective;
}

export function createSyncGroup(name: string, members: readonly string[]): SyncGroupState {
  const states: Record<string, VrrpState> = {};
  const ownFault: Record<string, boolean> = {};
  const held: Record<string, boolean> = {};
  for (const m of members) {
    states[m] = 'INIT';
    ownFault[m] = false;
    held[m] = false;
  }
  return { name, members, states, ownFault, held };
}

/** The member's own fault, ignoring the fault the group imposed on it. */
export function ownFaultOf(s: InstanceState): boolean {
  return s.trackerFault || !s.ifUp;
}

export function observe(g: SyncGroupState, member: string, inst: InstanceState): { group: SyncGroupState; directives: SyncDirectiveFor[] } {
  if (!(member in g.states)) return { group: g, directives: [] };
  const from = g.states[member]!;
  const to = inst.state;
  const fault = ownFaultOf(inst) && to !== 'STOP';
  const states = { ...g.states, [member]: to };
  const ownFault = { ...g.ownFault, [member]: fault };
  const held = { ...g.held };
  const out: SyncDirectiveFor[] = [];
  const others = g.members.filter((m) => m !== member);

  if (fault && !g.ownFault[member]) {
    for (const m of others) {
      if (!held[m]) {
        held[m] = true;
        out.push({ member: m, directive: 'FAULT' });
      }
    }
  } else if (!fault && g.ownFault[member]) {
    if (!g.members.some((m) => ownFault[m])) {
      for (const m of g.members) {
        if (held[m]) {
          held[m] = false;
          out.push({ member: m, directive: 'CLEAR' });
        }
      }
    } else if (!held[member]) {
      // Another member is still faulty: this one must wait in FAULT with the rest.
      held[member] = true;
      out.push({ member, directive: 'FAULT' });
    }
  }

  if (from !== to && out.length === 0) {
    if (to === 'MASTER') {
      for (const m of others) if (states[m] === 'BACKUP') out.push({ member: m, directive: 'MASTER' });
    } else if (to === 'BACKUP' && from === 'MASTER') {
      for (const m of others) if (states[m] === 'MASTER') out.push({ member: m, directive: 'BACKUP' });
    }
  }
  return { group: { ...g, states, ownFault, held }, directives: out };
}

/** The coordinator as one value, for callers that prefer `SyncGroup.observe(...)`. */
export const SyncGroup = { create: createSyncGroup, observe, ownFaultOf } as const;
