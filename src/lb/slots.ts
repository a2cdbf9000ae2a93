// Weighted slot tables: nftables has no weighted schedulers, so a service's backends are laid out
// in a vmap of N slots picked by `numgen inc mod N` (rr/wrr) or `jhash ip saddr mod N` (sh/mh).
// A backend with weight w gets w slots (after dividing all weights by their gcd).

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
