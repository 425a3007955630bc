/**
 * What every route module receives.
 * @module
 */

import type { Hono } from "hono";
import type { BrokerEngine } from "../engine.ts";

export interface RouteContext {
  app: Hono;
  engine: BrokerEngine;
}

/** Repeated or comma-separated query values (`url=a&url=b` or `label=a,b`). */
export function queryList(url: URL, name: string): string[] | undefined {
  const all = url.searchParams.getAll(name);
  if (all.length === 0) return undefined;
  const out = all.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  return out.length ? out : undefined;
}

/** An optional non-negative integer query parameter. */
export function queryInt(url: URL, name: string): number | undefined {
  const v = url.searchParams.get(name);
  if (v === null || v === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? Math.floor(n) : undefined;
}
