// Who wins a VRRP election: the effective priority an instance advertises (base priority adjusted by
// its trackers) and the address tie-break. Pure functions; the state machine calls them on every
// tracker change, so they stay allocation-free on the common path.

export const PRIO_OWNER = 255;
export const PRIO_STOP = 0;
/** Highest priority a non-owner may reach: 255 is reserved for the address owner (RFC 3768 §5.3.4). */
export const PRIO_MAX_BACKUP = 254;

/**
 * What one tracker (script, interface, process, bfd, file) currently reports.
 * - `updown`: keepalived's script/interface/process/bfd trackers. A positive weight is added while the
 *   tracked object is up, a negative weight is added while it is down; `reverse` flips the direction of
 *   the adjustment (subtract while up / add while down). Weight 0 means "FAULT while down" (with
 *   `reverse`: FAULT while up).
 * - `value`: a track_file. value × weight is added (negated with `reverse`); with weight 0 any non-zero
 *   value means FAULT; a contribution of −254 or less means FAULT (keepalived's rule for files).
 */
export type TrackerStatus =
  | { kind: 'updown'; name: string; weight: number; reverse?: boolean; up: boolean }
  | { kind: 'value'; name: string; weight: number; reverse?: boolean; value: number };

export interface TrackedPriority {
  priority: number; // effective priority before any owner-conflict adjustment
  fault: boolean; // a weight-0 tracker (or a file value) demands FAULT
  faultBy?: string; // name of the first tracker demanding FAULT, for logs
}

/**
 * Effective priority from the base priority and trackers. The owner (255) is never adjusted (it owns
 * the addresses; keepalived refuses to change it) but still honours FAULT. Non-owners are clamped to
 * 1..254: priority 0 means "resigning" on the wire and 255 would claim ownership.
 * `ignoreWeights` models a sync-group member without `sync_group_tracking_weight`: its weighted trackers
 * are ignored (keepalived issue #2105), only FAULT trackers count.
 */
export function trackedPriority(base: number, trackers: readonly TrackerStatus[], ignoreWeights = false): TrackedPriority {
  let delta = 0;
  for (const t of trackers) {
    if (t.kind === 'updown') {
      if (t.weight === 0) {
        if (t.up === !!t.reverse) return { priority: base, fault: true, faultBy: t.name };
        continue;
      }
      // Without reverse: +w while up for w > 0; +w (a decrease) while down for w < 0.
      const applies = t.weight > 0 ? t.up : !t.up;
      if (applies && !ignoreWeights) delta += t.reverse ? -t.weight : t.weight;
    } else {
      if (t.weight === 0) {
        // keepalived (track_file.c): weight 0 faults on a non-zero value, with `reverse` on zero.
        if ((t.value !== 0) !== !!t.reverse) return { priority: base, fault: true, faultBy: t.name };
        continue;
      }
      const c = t.value * t.weight * (t.reverse ? -1 : 1);
      if (c <= -254) return { priority: base, fault: true, faultBy: t.name };
      // A file's contribution is limited to 253, as keepalived limits it.
      if (!ignoreWeights) delta += c > 253 ? 253 : c;
    }
  }
  if (base === PRIO_OWNER) return { priority: PRIO_OWNER, fault: false };
  const p = base + delta;
  return { priority: p < 1 ? 1 : p > PRIO_MAX_BACKUP ? PRIO_MAX_BACKUP : p, fault: false };
}

/** Numeric value of an IPv4 address, or NaN when malformed. */
function ipv4Value(a: string): number {
  const parts = a.split('.');
  if (parts.length !== 4) return NaN;
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) return NaN;
    v = v * 256 + n;
  }
  return v;
}

/** The 8 16-bit groups of an IPv6 address (handles `::` and an embedded IPv4 tail), or null. */
function ipv6Groups(a: string): number[] | null {
  const pct = a.indexOf('%');
  if (pct >= 0) a = a.slice(0, pct); // zone index (fe80::1%eth0) does not take part in ordering
  const lastColon = a.lastIndexOf(':');
  if (a.indexOf('.', lastColon) > 0) {
    // ::ffff:192.0.2.1 — rewrite the dotted tail as two hex groups, then parse normally.
    const v4 = ipv4Value(a.slice(lastColon + 1));
    if (Number.isNaN(v4)) return null;
    a = `${a.slice(0, lastColon + 1)}${Math.floor(v4 / 65536).toString(16)}:${(v4 % 65536).toString(16)}`;
  }
  const halves = a.split('::');
  if (halves.length > 2) return null;
  const parse = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = parse(halves[0]!);
  const rest = halves.length === 2 ? parse(halves[1]!) : [];
  if (!head || !rest) return null;
  const known = head.length + rest.length;
  if (halves.length === 1) return known === 8 ? head : null;
  if (known > 7) return null;
  return [...head, ...new Array<number>(8 - known).fill(0), ...rest];
}

/** Sort key of an address: a number for IPv4, a fixed-width hex string for IPv6, null if malformed. */
function addressKey(a: string): number | string | null {
  if (!a.includes(':')) {
    const v = ipv4Value(a);
    return Number.isNaN(v) ? null : v;
  }
  const g = ipv6Groups(a);
  return g ? g.map((x) => x.toString(16).padStart(4, '0')).join('') : null;
}

// Adverts come from a handful of peers, so their parsed keys are memoised (bounded: a flood of
// forged sources cannot grow it without limit). Still a pure function from the caller's view.
const keyCache = new Map<string, number | string | null>();

function cachedKey(a: string): number | string | null {
  let k = keyCache.get(a);
  if (k === undefined) {
    k = addressKey(a);
    if (keyCache.size >= 4096) keyCache.clear();
    keyCache.set(a, k);
  }
  return k;
}

/**
 * Numeric comparison of two addresses of the same family (<0, 0, >0). RFC 5798 §6.4.3 compares the
 * primary addresses as numbers: "192.0.2.10" is higher than "192.0.2.9" although it sorts lower as text.
 * Malformed input compares as lower than anything valid, so a garbled peer never wins a tie; an IPv4
 * address compares lower than an IPv6 one (never happens within one instance).
 */
export function compareAddresses(a: string, b: string): number {
  const ka = cachedKey(a);
  const kb = cachedKey(b);
  if (ka === null || kb === null) return (ka === null ? 0 : 1) - (kb === null ? 0 : 1);
  if (typeof ka === 'number' && typeof kb === 'number') return ka - kb;
  if (typeof ka !== typeof kb) return typeof ka === 'number' ? -1 : 1;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
