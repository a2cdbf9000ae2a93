// Pure number helpers for the benches: medians, percentiles, ratios and their text forms.
// Kept free of I/O so that test/unit/bench-stats.test.ts can pin them down.

/** Median of the finite values (mean of the two middle ones for an even count); NaN when none. */
export function median(values: readonly number[]): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/**
 * Percentile p (0..100) by linear interpolation between closest ranks, as numpy's default:
 * with few samples (a 20 s run at one advert per second) a nearest-rank p99 would simply be the max.
 */
export function percentile(values: readonly number[], p: number): number {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  if (p <= 0) return v[0]!;
  if (p >= 100) return v[v.length - 1]!;
  const rank = (p / 100) * (v.length - 1);
  const lo = Math.floor(rank);
  const frac = rank - lo;
  return lo + 1 < v.length ? v[lo]! + (v[lo + 1]! - v[lo]!) * frac : v[lo]!;
}

/** a / b, NaN when either is not a number or b is zero (a ratio against nothing is not "infinitely worse"). */
export function ratio(a: number, b: number): number {
  if (!Number.isFinite(a) || !Number.isFinite(b) || b === 0) return NaN;
  return a / b;
}

/** Successive differences of ascending timestamps. */
export function intervals(times: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < times.length; i++) out.push(times[i]! - times[i - 1]!);
  return out;
}

export interface Jitter { samples: number; p50: number; p99: number; max: number }

/**
 * Advert jitter: how far each interval between two adverts of one VRID strays from the advert interval
 * (absolute deviation, ms). `seriesMs` holds one ascending timestamp list per VRID; a gap of more than
 * 1.5 intervals means a lost or suppressed advert, not jitter, so it is counted out and reported separately.
 */
export function advertJitter(seriesMs: readonly (readonly number[])[], advertMs: number): Jitter & { gaps: number } {
  const dev: number[] = [];
  let gaps = 0;
  for (const s of seriesMs) {
    for (const d of intervals(s)) {
      if (d > advertMs * 1.5) { gaps++; continue; }
      dev.push(Math.abs(d - advertMs));
    }
  }
  return { samples: dev.length, p50: percentile(dev, 50), p99: percentile(dev, 99), max: dev.length ? Math.max(...dev) : NaN, gaps };
}

/** Fixed-precision text for a figure; '—' for a missing one, so a table never shows "NaN". */
export function fmt(x: number, digits = 0): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '—';
}

/** vipd/keepalived as "0.981×" (three digits: failover times differ by fractions of a percent); '—' when there is nothing to compare. */
export function fmtRatio(r: number): string {
  return Number.isFinite(r) ? `${r.toFixed(3)}×` : '—';
}
