/**
 * How the Node side says that Redis cannot be reached: the URL (password hidden), a short reason,
 * and what to do. Used by every command that takes `--redis`, which checks Redis before listening.
 * @module
 */
import { connect as connectTcp, isIP } from "node:net";
import { connect as connectTls } from "node:tls";
import { BackendError } from "../errors.ts";

const REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host not found",
  EAI_AGAIN: "host not found",
};

/** A short reason for a failed connection: `connection refused`, `host not found`, … or the error's message. */
export function redisFailureReason(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length) return redisFailureReason(error.errors[0]);
  const { code, name, message } = (error ?? {}) as { code?: string; name?: string; message?: string };
  if (code && REASONS[code]) return REASONS[code]!;
  if (name === "ConnectionTimeoutError") return "connection timed out";
  if (message && /WRONGPASS|NOAUTH|invalid password|invalid username/i.test(message)) return `authentication failed: ${message}`;
  return message || name || String(error ?? "not connected");
}

/**
 * The error for a Redis that did not answer at start, e.g. `cannot reach Redis at
 * redis://127.0.0.1:6499 (connection refused). Start redis-server or fix --redis.`
 */
export function redisUnreachable(url: string, cause: unknown): BackendError {
  return new BackendError(`cannot reach Redis at ${redact(url)} (${redisFailureReason(cause)}). Start redis-server or fix --redis.`, { cause });
}

/**
 * Opens one TCP (for `rediss://`, TLS) connection to the Redis at `url` and closes it; throws
 * {@link redisUnreachable}'s error when that fails or takes longer than `timeoutMs` (default
 * 3000). The commands call it before loading anything else, so a dead Redis fails them at once;
 * the Redis client they start afterwards checks the rest (password, database).
 */
export function assertRedisReachable(url: string, o: { timeoutMs?: number } = {}): Promise<void> {
  const timeoutMs = o.timeoutMs ?? 3000;
  const { protocol, hostname, port } = new URL(url);
  const host = hostname.replace(/^\[(.*)\]$/, "$1") || "127.0.0.1";
  const options = { host, port: Number(port) || 6379 };
  return new Promise<void>((resolve, reject) => {
    const socket = protocol === "rediss:" ? connectTls({ ...options, servername: isIP(host) ? undefined : host }) : connectTcp(options);
    const done = (error?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(redisUnreachable(url, error));
      else resolve();
    };
    const timer = setTimeout(() => done(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    socket.once(protocol === "rediss:" ? "secureConnect" : "connect", () => done());
    socket.once("error", done);
  });
}

/** Hides the password of a Redis URL. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return url;
  }
}
