/**
 * Rate limits in Celery's syntax (`"100/m"`, `"10/s"`, `"2/h"`, `"10"`, or a number per second),
 * parsed exactly as Celery parses them, and enforced globally by the broker's flow control.
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { FlowControl } from "../broker/broker.ts";

const UNIT_SEC: Record<string, number> = { s: 1, m: 60, h: 3600 };

/** Celery's `rate()`: tasks per second, 0 meaning no limit. Unknown units are refused. */
export function parseRate(rate: string | number | null | undefined): number {
  if (!rate) return 0;
  if (typeof rate === "number") return rate;
  const { ops, unitSec } = split(rate);
  return ops / unitSec || 0;
}

function split(rate: string): { ops: number; unitSec: number } {
  const [opsText, modifier] = rate.split("/", 2) as [string, string | undefined];
  const unitSec = UNIT_SEC[(modifier ?? "s").trim() || "s"];
  const ops = Number(opsText);
  if (unitSec === undefined || !Number.isFinite(ops) || opsText.trim() === "") {
    throw new ConfigError(`Invalid rate limit "${rate}": write "<number>/s", "<number>/m" or "<number>/h" (Celery's syntax), e.g. "100/m".`);
  }
  return { ops, unitSec };
}

/** The broker flow control for a rate limit, or undefined when there is none. */
export function toFlowControl(rate: string | number | undefined, key: string): FlowControl | undefined {
  if (!rate) return undefined;
  let ops: number;
  let periodSec: number;
  if (typeof rate === "number") [ops, periodSec] = [rate, 1];
  else ({ ops, unitSec: periodSec } = split(rate));
  if (!(ops > 0)) return undefined;
  if (!Number.isInteger(ops)) {
    // The broker counts whole activations: 0.5/s becomes 1 per 2 s.
    periodSec = Math.max(1, Math.round(periodSec / ops));
    ops = 1;
  }
  return { key, rate: ops, periodSec };
}
