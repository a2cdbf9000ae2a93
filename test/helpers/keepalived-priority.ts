// Test oracle: keepalived's priority rules restated independently of the daemon's combiner
// (src/vrrp/priority.ts trackedPriority), so each can be checked against the other
// (test/unit/vrrp-priority-keepalived.test.ts). Base priority + tracker states -> effective priority
// and FAULT. Rules are keepalived's (vrrp_track.c / track_file.c):
//
// Binary trackers (track_interface, track_script, track_process, track_bfd): `up` true/false, or
// undefined while unknown (a vrrp_script that has not returned yet) which has no effect at all.
//   weight 0            -> FAULT while down; with `reverse`, FAULT while up.
//   weight > 0          -> +weight while up (reverse: -weight while up); nothing while down.
//   weight < 0          -> +weight (i.e. subtract) while down (reverse: -weight, i.e. add, while down).
// track_file: `value` read from the file (missing/unreadable/garbage = 0).
//   weight 0            -> FAULT while value != 0; with `reverse`, FAULT while value == 0.
//   otherwise           -> value * weight (negated with reverse), limited to [-254, 253];
//                          -254 (anything below -253) means FAULT.
// Effective priority = base + sum of contributions, clamped to 1..254.
// The address owner (base 255) always stays 255: weights never change it, but FAULT still applies.
// (Sync-group rules - member weights ignored unless sync_group_tracking_weight - are the caller's.)

export type BinaryTrackerKind = 'interface' | 'script' | 'process' | 'bfd';

export interface BinaryTracker {
  kind: BinaryTrackerKind;
  name?: string;
  up: boolean | undefined;
  weight: number;
  reverse?: boolean;
}

export interface FileTracker {
  kind: 'file';
  name?: string;
  value: number;
  weight: number;
  reverse?: boolean;
}

export type TrackerState = BinaryTracker | FileTracker;

export interface EffectivePriority {
  priority: number;
  fault: boolean;
  /** Names/kinds of the trackers that force FAULT, for logs and status. */
  faultBy: string[];
  /** base + contributions before clamping (what keepalived calls total_priority). */
  total: number;
}

export const OWNER_PRIORITY = 255;
export const FILE_FAULT = -254;

/** The priority delta of a binary tracker (0 when it has none or is unknown). */
export function binaryContribution(t: BinaryTracker): number {
  if (t.up === undefined || t.weight === 0) return 0;
  const m = t.reverse ? -1 : 1;
  if (t.weight > 0) return t.up ? t.weight * m : 0;
  return t.up ? 0 : t.weight * m;
}

export function binaryFault(t: BinaryTracker): boolean {
  if (t.up === undefined || t.weight !== 0) return false;
  return t.reverse ? t.up : !t.up;
}

/** value*weight (±reverse) limited to [-254, 253]; -254 means FAULT. Weight 0 handled by fileFault. */
export function fileContribution(t: FileTracker): number {
  if (t.weight === 0) return 0;
  const v = t.value * t.weight * (t.reverse ? -1 : 1);
  if (v < -253) return FILE_FAULT;
  if (v > 253) return 253;
  return v;
}

export function fileFault(t: FileTracker): boolean {
  if (t.weight === 0) return t.reverse ? t.value === 0 : t.value !== 0;
  return fileContribution(t) === FILE_FAULT;
}

function label(t: TrackerState): string {
  return t.name ? `${t.kind} ${t.name}` : t.kind;
}

export function effectivePriority(base: number, trackers: readonly TrackerState[]): EffectivePriority {
  let total = base;
  const faultBy: string[] = [];
  for (const t of trackers) {
    if (t.kind === 'file') {
      if (fileFault(t)) faultBy.push(label(t));
      else total += fileContribution(t);
    } else {
      if (binaryFault(t)) faultBy.push(label(t));
      total += binaryContribution(t);
    }
  }
  if (base >= OWNER_PRIORITY) return { priority: OWNER_PRIORITY, fault: faultBy.length > 0, faultBy, total: base };
  const priority = Math.min(254, Math.max(1, total));
  return { priority, fault: faultBy.length > 0, faultBy, total };
}
