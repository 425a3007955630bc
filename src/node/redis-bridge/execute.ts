/**
 * Runs checked commands on the bridge's Redis connection with node-redis's raw `sendCommand`, so
 * replies keep their RESP2 shapes. node-redis writes every command queued in the same tick as one
 * batch on one socket, so a pipeline costs one round trip and its commands run in order, never
 * interleaved with another request's; MULTI…EXEC is queued as one chain, so a dropped connection
 * can never run half a transaction outside MULTI.
 * @module
 */
import { ErrorReply } from "redis";
import type { BridgeRedisClient } from "./connection.ts";
import { REPLY_TYPE_MAPPING } from "./reply.ts";

/** Per-command options for node-redis, built once per bridge. */
export interface CommandOptions {
  readonly typeMapping: typeof REPLY_TYPE_MAPPING;
  readonly timeout: number;
}

/**
 * The options every command is sent with. `timeoutMs` 0 (the bridge's default) turns off
 * node-redis's own 5 s per-command timer, which costs a timer and an AbortSignal per command on
 * the hot path; a dead Redis is still detected by the socket closing or TCP keep-alive.
 */
export function commandOptions(timeoutMs = 0): CommandOptions {
  return { typeMapping: REPLY_TYPE_MAPPING, timeout: timeoutMs };
}

/**
 * One command. Resolves with its reply; rejects with an `ErrorReply` when Redis answered an error,
 * with any other error when the connection failed.
 */
export function runCommand(client: BridgeRedisClient, args: string[], options: CommandOptions): Promise<unknown> {
  return client.sendCommand(args, options);
}

/**
 * A pipeline: one reply per command, in order; a command Redis refused gives its `ErrorReply` in
 * its slot and does not affect the others. An `ErrorReply` given in place of a command (one the
 * bridge refused) is passed through to its slot. Rejects (as a whole) only on a connection failure.
 */
export function runPipeline(
  client: BridgeRedisClient,
  commands: readonly (string[] | ErrorReply)[],
  options: CommandOptions,
): Promise<unknown[]> {
  const pending = new Array<unknown>(commands.length);
  for (let i = 0; i < commands.length; i++) {
    const command = commands[i];
    pending[i] = command instanceof ErrorReply ? command : client.sendCommand(command, options).catch(keepRedisError);
  }
  return Promise.all(pending);
}

function keepRedisError(err: unknown): ErrorReply {
  if (err instanceof ErrorReply) return err;
  throw err;
}

/**
 * A transaction (MULTI, the commands, EXEC), with Redis's semantics: a command that fails while
 * running fills its own slot with an `ErrorReply` and the others still run; a command refused
 * while queueing discards the whole transaction, which rejects with one `ErrorReply` naming that
 * command. Rejects with any other error on a connection failure.
 */
export async function runTransaction(
  client: BridgeRedisClient,
  commands: string[][],
  commandOptions: CommandOptions,
): Promise<unknown[]> {
  const options = { ...commandOptions, chainId: Symbol("multi-exec") };
  const queued = new Array<Promise<unknown>>(commands.length + 2);
  queued[0] = client.sendCommand(["MULTI"], options);
  for (let i = 0; i < commands.length; i++) queued[i + 1] = client.sendCommand(commands[i], options);
  queued[commands.length + 1] = client.sendCommand(["EXEC"], options);
  const settled = await Promise.allSettled(queued);
  for (const outcome of settled) {
    if (outcome.status === "rejected" && !(outcome.reason instanceof ErrorReply)) throw outcome.reason;
  }
  const exec = settled[settled.length - 1];
  if (exec.status === "fulfilled" && Array.isArray(exec.value)) return exec.value;
  throw discarded(settled, commands, exec);
}

/** The error for a transaction Redis discarded (EXECABORT), naming the command that caused it. */
function discarded(
  settled: PromiseSettledResult<unknown>[],
  commands: string[][],
  exec: PromiseSettledResult<unknown>,
): ErrorReply {
  const execMessage =
    exec.status === "rejected" ? (exec.reason as ErrorReply).message : "EXECABORT Transaction discarded (EXEC returned nil).";
  for (let i = 1; i < settled.length - 1; i++) {
    const outcome = settled[i];
    if (outcome.status === "rejected") {
      const name = commands[i - 1][0].toUpperCase();
      return new ErrorReply(`${execMessage} Command ${i - 1} (${name}) failed: ${(outcome.reason as ErrorReply).message}`);
    }
  }
  const multi = settled[0];
  return multi.status === "rejected" ? (multi.reason as ErrorReply) : new ErrorReply(execMessage);
}
