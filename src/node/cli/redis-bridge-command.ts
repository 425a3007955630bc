/**
 * `celeriac redis-bridge`: serves the Upstash Redis REST API over a self-hosted Redis, so
 * `@upstash/redis` (and celeriac's Redis backend) can use it with UPSTASH_REDIS_REST_URL/TOKEN.
 * @module
 */
import { importOptional } from "../import-optional.ts";
import { assertInstalled } from "./assert-installed.ts";
import { assertRedisReachable } from "../redis-unreachable.ts";
import { type CliCommand, nonEmptyValue, parseCommandLine, portValue, redisUrlValue } from "./command-line.ts";
import { untilSignal } from "./until-signal.ts";

/** Usage text of `celeriac redis-bridge`. */
export const REDIS_BRIDGE_USAGE = `Usage: celeriac redis-bridge [--redis <url>] [--port <n>] [--host <addr>] [--token <t>]

Serves the Upstash Redis REST API (what @upstash/redis speaks) over a self-hosted Redis.
Needs the "redis" package.

  --redis <url>   Redis to forward to (default: $REDIS_URL or redis://127.0.0.1:6379)
  --port <n>      HTTP port (default: 8079; 0 picks a free one)
  --host <addr>   interface to listen on (default: 127.0.0.1; 0.0.0.0 exposes it)
  --token <t>     bearer token clients must send (default: a random one, printed)

Prints UPSTASH_REDIS_REST_URL and UPSTASH_REDIS_REST_TOKEN for your client. Stop with Ctrl-C.`;

/** Hooks for embedding and tests; the CLI uses the defaults. */
export interface RedisBridgeCommandIO {
  /** Stops the bridge when aborted. SIGINT and SIGTERM always stop it. */
  signal?: AbortSignal;
  /** Receives the UPSTASH_* lines. Default: stdout. */
  out?: (line: string) => void;
  /** Receives status and connection messages. Default: stderr. */
  err?: (line: string) => void;
  /** Environment for defaults (`REDIS_URL`). Default: `process.env`. */
  env?: Record<string, string | undefined>;
}

/** `celeriac redis-bridge`. */
export const redisBridgeCommand: CliCommand = {
  usage: REDIS_BRIDGE_USAGE,
  run: (argv) => runRedisBridge(argv),
};

/**
 * Runs `celeriac redis-bridge` with the arguments after the subcommand. Checks that Redis answers
 * before listening; resolves once the bridge has shut down (Ctrl-C, SIGTERM, or `io.signal`).
 * Throws a `UsageError` for bad arguments, a `BackendError` when Redis cannot be reached, a
 * `ConfigError` for a port in use.
 */
export async function runRedisBridge(argv: string[], io: RedisBridgeCommandIO = {}): Promise<void> {
  const out = io.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const err = io.err ?? ((line: string) => process.stderr.write(line + "\n"));
  const env = io.env ?? process.env;
  const { values } = parseCommandLine({
    args: argv,
    options: {
      redis: { type: "string" },
      port: { type: "string", short: "p", default: "8079" },
      host: { type: "string", default: "127.0.0.1" },
      token: { type: "string" },
    },
  });
  const redisUrl = values.redis !== undefined ? redisUrlValue(values.redis) : env.REDIS_URL ? redisUrlValue(env.REDIS_URL, "REDIS_URL") : "redis://127.0.0.1:6379";
  const port = portValue(values.port);
  const host = nonEmptyValue(values.host, "--host");
  const token = values.token === undefined ? undefined : nonEmptyValue(values.token, "--token");
  assertInstalled("redis", "celeriac redis-bridge");
  await assertRedisReachable(redisUrl); // before loading anything else
  const { startRedisRestBridge, generateBridgeToken } = await importOptional("redis", "celeriac redis-bridge", () => import("../redis-bridge/server.ts"));
  let started = false; // before, an unreachable Redis fails the start with one line of its own
  const server = await startRedisRestBridge({
    redisUrl,
    port,
    host,
    token: token ?? generateBridgeToken(),
    waitForRedisMs: 3000,
    log: (message) => started && err(`redis-bridge: ${message}`),
  });
  started = true;
  const stopped = untilSignal(io.signal); // listening before the settings: whoever reads them may send SIGINT at once
  err(`redis-bridge: Upstash Redis REST API on ${server.url}, forwarding to ${server.bridge.redisLabel}: Redis is reachable; ready.`);
  out(`UPSTASH_REDIS_REST_URL=${server.url}`);
  out(`UPSTASH_REDIS_REST_TOKEN=${server.token}`);
  await stopped;
  err("redis-bridge: shutting down.");
  await server.close();
}
