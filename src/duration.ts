/**
 * Durations: numbers of seconds or strings such as `"10s"`, `"5m"`, `"1h30m"`, `"250ms"`.
 * @module
 */

/** A duration in seconds, or a string with units `ms`, `s`, `m`, `h`, `d` (compound allowed). */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/**
 * Parse a duration into milliseconds.
 * @example toMs("1m30s") // 90000
 * @example toMs(2) // 2000 (numbers are seconds)
 */
export function toMs(value: Duration): number {
  if (typeof value === "number") {
    if (!Number.isFinite(value) || value < 0) throw new RangeError(`Invalid duration ${value}: use a non-negative number of seconds.`);
    return value * 1000;
  }
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(PART)) {
    total += Number(m[1]) * UNIT_MS[m[2]];
    consumed += m[0].length;
  }
  if (consumed === 0 || consumed !== text.length) {
    throw new RangeError(`Invalid duration "${value}": write seconds as a number, or a string like "500ms", "10s", "5m", "1h30m", "2d".`);
  }
  return total;
}

/** Parse a duration into whole seconds (rounded up, so a delay is never shortened). */
export const toSeconds = (value: Duration): number => Math.ceil(toMs(value) / 1000);
