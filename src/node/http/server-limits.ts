/**
 * The limits every Node HTTP server celeriac starts sets (the worker's `serveNode`, the broker,
 * the dev server, the Redis REST bridge), since any of them may face the internet: a client that
 * sends its headers slowly (slow-loris), one that sends its body slowly, idle keep-alive sockets,
 * and too many connections at once. Node's own defaults (60 s for the headers, 300 s for a
 * request, no connection limit) suit a trusted network; these are tighter and configurable.
 * `requestTimeoutMs` bounds receiving the request only: a long answer (a Server-Sent Events
 * stream, a result wait) is not cut by it.
 * @module
 */
import type { Server, ServerOptions } from "node:http";
import { ConfigError } from "../../errors.ts";

/** Limits of a Node HTTP server; each is optional and falls back to {@link DEFAULT_SERVER_LIMITS}. */
export interface ServerLimits {
  /** Most ms a client may take to send the request's headers (slow-loris); then 408 and the connection closes. Default 10 000. */
  headersTimeoutMs?: number | undefined;
  /** Most ms a client may take to send the whole request, headers and body (slow bodies); then 408. Default 30 000. */
  requestTimeoutMs?: number | undefined;
  /** Ms an idle keep-alive connection stays open for the next request. Default 5 000. */
  keepAliveTimeoutMs?: number | undefined;
  /** Open connections at most; a connection beyond it is closed at once. Default 1 024. */
  maxConnections?: number | undefined;
}

/** The limits used when none are given. */
export const DEFAULT_SERVER_LIMITS: Readonly<Required<{ [K in keyof ServerLimits]: number }>> = Object.freeze({
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 1024,
});

/** `limits` over the defaults, checked: whole numbers ≥ 1, and the headers' deadline within the request's. */
export function resolveServerLimits(limits: ServerLimits = {}): Required<{ [K in keyof ServerLimits]: number }> {
  const resolved = { ...DEFAULT_SERVER_LIMITS };
  for (const key of Object.keys(DEFAULT_SERVER_LIMITS) as (keyof ServerLimits)[]) {
    const value = limits[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) throw new ConfigError(`server limit ${key} must be a whole number ≥ 1, not ${String(value)}.`);
    resolved[key] = value;
  }
  if (resolved.headersTimeoutMs > resolved.requestTimeoutMs) {
    throw new ConfigError(`server limit headersTimeoutMs (${resolved.headersTimeoutMs}) must not exceed requestTimeoutMs (${resolved.requestTimeoutMs}).`);
  }
  return resolved;
}

/**
 * node:http `createServer` options for `limits`. Node checks the header and request deadlines
 * every `connectionsCheckingInterval` (30 s by default, longer than the deadlines here), so the
 * check runs at a quarter of the headers' deadline, at most once a second.
 */
export function limitServerOptions(limits: ServerLimits = {}): ServerOptions {
  const l = resolveServerLimits(limits);
  return {
    headersTimeout: l.headersTimeoutMs,
    requestTimeout: l.requestTimeoutMs,
    keepAliveTimeout: l.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(l.headersTimeoutMs / 4))),
  };
}

/** Set what cannot be passed to `createServer` (the connection limit) on a created server. */
export function applyServerLimits(server: Server, limits: ServerLimits = {}): void {
  server.maxConnections = resolveServerLimits(limits).maxConnections;
}
