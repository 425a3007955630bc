/**
 * Small statistics for the benchmark: median with min–max over repetitions, and latency
 * percentiles (nearest rank).
 * @module
 */

/** Median, min and max of `values` (at least one value). */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

/** The median (mean of the two middle values for an even count), min and max. */
export function spread(values: number[]): Spread {
  if (values.length === 0) throw new RangeError("spread() needs at least one value");
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1] };
}

/** The `p`-th percentile (0–100) of `values` by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) throw new RangeError("percentile() needs at least one value");
  const s = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length - 1, Math.max(0, rank - 1))];
}

/** p50, p90 and p99 of latencies in ms. */
export function latencySummary(ms: number[]): { p50: number; p90: number; p99: number } {
  return { p50: percentile(ms, 50), p90: percentile(ms, 90), p99: percentile(ms, 99) };
}

/** Round to `digits` decimals (for printing and JSON). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
