/**
 * The one Lua script runner: EVALSHA, falling back to EVAL when the server does not have the
 * script cached (`NOSCRIPT`, after a restart, a `SCRIPT FLUSH` or on a fresh database). EVAL
 * also caches the script, so the fallback costs one extra command once per script per server.
 *
 * Reply convention shared by every script in `scripts/`: a Lua table whose first element is the
 * number of `redis.call`s the script made (so the command counter is exact), then the values.
 * @module
 */
import type { Redis } from "@upstash/redis";
import { BackendError } from "../../../errors.ts";

/** The Redis methods the runner calls. */
export type ScriptRedis = Pick<Redis, "evalsha" | "eval">;

/** A Lua script with its SHA-1, computed once (lazily) with `crypto.subtle`. */
export class LuaScript {
  /** Short name, used in errors and the command counter. */
  readonly name: string;
  /** The Lua source, sent by EVAL. */
  readonly source: string;
  #sha: Promise<string> | undefined;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
  }

  /** The script's SHA-1 as Redis names it (lowercase hex), computed on first use. */
  sha(): Promise<string> {
    this.#sha ??= sha1Hex(this.source);
    return this.#sha;
  }
}

/** Lowercase hex SHA-1 of `text` (UTF-8), as `SCRIPT LOAD` returns it. */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** What one script run returned, and what it cost. */
export interface ScriptRun {
  /** The script's values (its reply table without the leading call count). */
  values: unknown[];
  /**
   * Billed commands: the EVALSHA itself (plus the failed EVALSHA and the EVAL on a NOSCRIPT
   * fallback) and every `redis.call` the script reported.
   */
  commands: number;
}

/** True when `err` is Redis's NOSCRIPT error (the client keeps the Redis text in its message). */
export function isNoScript(err: unknown): boolean {
  return /noscript/i.test(err instanceof Error ? err.message : String(err));
}

/**
 * Run `script` with `keys` and `args`: EVALSHA first, EVAL on NOSCRIPT.
 * Throws `BackendError` when Redis fails or the reply does not follow the reply convention.
 */
export async function runScript(redis: ScriptRedis, script: LuaScript, keys: string[], args: string[]): Promise<ScriptRun> {
  const sha = await script.sha();
  let wrapper = 1;
  let reply: unknown;
  try {
    try {
      reply = await redis.evalsha(sha, keys, args);
    } catch (err) {
      if (!isNoScript(err)) throw err;
      wrapper = 2;
      reply = await redis.eval(script.source, keys, args);
    }
  } catch (err) {
    throw new BackendError(
      `Redis script "${script.name}" failed: ${err instanceof Error ? err.message : String(err)}. ` +
        "Check that Redis (≥ 7.0) is reachable with the configured URL and token.",
      { cause: err },
    );
  }
  if (!Array.isArray(reply) || typeof reply[0] !== "number") {
    throw new BackendError(`Redis script "${script.name}" returned ${JSON.stringify(reply)}, expected [callCount, ...values].`);
  }
  return { values: reply.slice(1), commands: wrapper + reply[0] };
}
