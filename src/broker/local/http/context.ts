/**
 * What every route module receives.
 * @module
 */

import type { Context, Hono } from "hono";
import { HeaderMap } from "../../../util/header-map.ts";
import type { BrokerEngine } from "../engine/engine.ts";
import type { HeaderSource } from "../message/publish-config.ts";

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

/**
 * The request's headers, to read. Served by `@hono/node-server`: a `HeaderMap` of Node's parsed
 * header pairs, because going through the web `Headers` there builds one first (the costliest
 * step of a lone publish); anywhere else, the request's own `Headers`.
 */
export function requestHeaders(c: Context): HeaderSource {
  const raw = (c.env as { incoming?: { rawHeaders?: unknown } } | undefined)?.incoming?.rawHeaders;
  if (!Array.isArray(raw)) return c.req.raw.headers;
  const map = new HeaderMap();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name[0] !== ":") map.append(name, raw[i + 1] as string);
  }
  return map;
}
