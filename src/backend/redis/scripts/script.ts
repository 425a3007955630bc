/**
 * The one Lua script runner: EVALSHA, falling back to EVAL when the server does not have the
 * script cached (`NOSCRIPT`, after a restart, a `SCRIPT FLUSH` or on a fresh database). EVAL
 * also caches the script, so the fallback costs one extra command once per script per server.
 *
 * {@link evalScript} runs any {@link LuaScript} on any client with EVALSHA and EVAL: an
 * `@upstash/redis` client as it is, node-redis through {@link sendCommandScripts} (the local
 * broker's store). {@link runScript} adds the backend's conventions on top.
 *
 * Reply convention shared by every script in this folder (the backend's): a Lua table whose
 * first element is the number of `redis.call`s the script made (so the command counter is
 * exact), then the values.
 * @module
 */
import { BackendError } from "../../../errors.ts";

/**
 * The two commands a script runs with, over keys and arguments of type `A`, answering `R`. An
 * `@upstash/redis` client is one; {@link sendCommandScripts} makes one of a raw-command client.
 */
export interface ScriptRedis<A = string, R = unknown> {
  evalsha(sha1: string, keys: A[], args: A[]): Promise<R>;
  eval(script: string, keys: A[], args: A[]): Promise<R>;
}

/** A Lua script with its SHA-1, computed once (lazily) with `crypto.subtle`. */
export class LuaScript {
  /** Short name, used in errors and the command counter. */
  readonly name: string;
  /** The Lua source, sent by EVAL. */
  readonly source: string;
  #sha: Promise<string> | undefined;
  #knownSha: string | undefined;

  constructor(name: string, source: string) {
    this.name = name;
    this.source = source;
  }

  /** The script's SHA-1 as Redis names it (lowercase hex), computed on first use. */
  sha(): Promise<string> {
    this.#sha ??= sha1Hex(this.source).then((sha) => (this.#knownSha = sha));
    return this.#sha;
  }

  /** The SHA-1 once {@link LuaScript.sha} has resolved (so a run needs no await for it), else undefined. */
  get knownSha(): string | undefined {
    return this.#knownSha;
  }
}

/** Lowercase hex SHA-1 of `text` (UTF-8), as `SCRIPT LOAD` returns it. */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** True when `err` is Redis's NOSCRIPT error (the client keeps the Redis text in its message). */
export function isNoScript(err: unknown): boolean {
  return /noscript/i.test(err instanceof Error ? err.message : String(err));
}

/**
 * Run `script` with `keys` and `args`: EVALSHA first, EVAL on NOSCRIPT. Answers the raw reply;
 * Redis's errors are thrown as the client threw them. `cost.commands`, when given, gets +1 for
 * the EVAL of a fallback (billed on top of the EVALSHA).
 */
export async function evalScript<A, R>(redis: ScriptRedis<A, R>, script: LuaScript, keys: A[], args: A[], cost?: { commands: number }): Promise<R> {
  const sha = script.knownSha ?? (await script.sha());
  try {
    return await redis.evalsha(sha, keys, args);
  } catch (err) {
    if (!isNoScript(err)) throw err;
    if (cost) cost.commands++;
    return await redis.eval(script.source, keys, args);
  }
}

/**
 * EVALSHA and EVAL of a client that sends raw commands (node-redis `sendCommand`), so
 * {@link evalScript} runs on it. Build it once per client.
 */
export function sendCommandScripts<A, R = unknown>(client: { sendCommand(args: (A | string)[]): Promise<unknown> }): ScriptRedis<A, R> {
  return {
    evalsha: (sha1, keys, args) => client.sendCommand(["EVALSHA", sha1, String(keys.length), ...keys, ...args]) as Promise<R>,
    eval: (source, keys, args) => client.sendCommand(["EVAL", source, String(keys.length), ...keys, ...args]) as Promise<R>,
  };
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

/**
 * Run one of the backend's scripts through {@link evalScript} and read its reply convention.
 * Throws `BackendError` when Redis fails or the reply does not follow the convention.
 */
export async function runScript(redis: ScriptRedis, script: LuaScript, keys: string[], args: string[]): Promise<ScriptRun> {
  const run: ScriptRun = { values: [], commands: 1 };
  let reply: unknown;
  try {
    reply = await evalScript(redis, script, keys, args, run);
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
  run.values = reply.slice(1);
  run.commands += reply[0];
  return run;
}
