// Weighted slot tables: nftables has no weighted schedulers, so a service's backends are laid out
// in a vmap of N slots picked by `numgen inc mod N` (rr/wrr) or `jhash ip saddr mod N` (sh/mh).
// A backend with weight w gets w slots (after dividing all weights by their gcd).

import { createHash } from 'node:crypto';

export const MAX_SLOTS = 1024;

function gcd(a: number, b: number): number { while (b) [a, b] = [b, a % b]; return a; }

/** Reduce weights by their gcd and, when the sum still exceeds maxSlots, scale them down
 *  proportionally (every positive weight keeps at least one slot). */
export function slotWeights(weights: number[], maxSlots = MAX_SLOTS): number[] {
  const pos = weights.map((w) => Math.max(0, Math.floor(w)));
  const g = pos.filter((w) => w > 0).reduce((a, b) => gcd(a, b), 0) || 1;
  let out = pos.map((w) => w / g);
  const sum = out.reduce((a, b) => a + b, 0);
  if (sum > maxSlots) out = out.map((w) => (w === 0 ? 0 : Math.max(1, Math.floor((w * maxSlots) / sum))));
  return out;
}

/**
 * Smooth weighted round robin order (each step: every backend gains its weight, the largest
 * current value is picked and loses the total). Interleaves backends instead of sending w1
 * consecutive connections to the first one; with equal weights it is plain round robin.
 */
export function interleavedSlots(weights: number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const current = weights.map(() => 0);
  const order: number[] = [];
  for (let n = 0; n < total; n++) {
    let best = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i]! <= 0) continue;
      current[i]! += weights[i]!;
      if (best < 0 || current[i]! > current[best]!) best = i;
    }
    current[best]! -= total;
    order.push(best);
  }
  return order;
}

/** Contiguous slots (for hashing schedulers the order does not matter, stability does). */
export function contiguousSlots(weights: number[]): number[] {
  const order: number[] = [];
  weights.forEach((w, i) => { for (let k = 0; k < w; k++) order.push(i); });
  return order;
}

/** IPVS mh's default lookup table size (a prime). */
export const MAGLEV_TABLE_SIZE = 251;

/**
 * Maglev lookup table (the algorithm behind IPVS `mh`): every backend walks its own permutation of
 * the table, taking free slots in turn (weight/gcd turns per round), so when a backend leaves
 * only its slots change owner and the other clients keep their server. `names` identify backends
 * (ip:port) so a backend keeps its permutation whatever its position in the list.
 */
export function maglevSlots(names: string[], weights: number[], size = MAGLEV_TABLE_SIZE): number[] {
  const turns = slotWeights(weights, size);
  const live = turns.map((t, i) => (t > 0 ? i : -1)).filter((i) => i >= 0);
  const table = new Array<number>(size).fill(-1);
  if (live.length === 0) return [];
  // fill in name order, so the table depends on the set of backends, not on their list order
  const perm = live.sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : 0)).map((i) => {
    const h = createHash('sha1').update(names[i]!).digest();
    return { i, offset: h.readUInt32BE(0) % size, skip: (h.readUInt32BE(4) % (size - 1)) + 1, next: 0 };
  });
  let filled = 0;
  while (filled < size) {
    for (const p of perm) {
      for (let t = 0; t < turns[p.i]! && filled < size; t++) {
        let slot: number;
        do { slot = (p.offset + p.next * p.skip) % size; p.next++; } while (table[slot] !== -1);
        table[slot] = p.i;
        filled++;
      }
      if (filled >= size) break;
    }
  }
  return table;
}
