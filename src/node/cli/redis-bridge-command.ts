/**
 * `celeriac redis-bridge`: serves the Upstash Redis REST API over a self-hosted Redis, so
 * `@upstash/redis` (and celeriac's Redis backend) can use it with UPSTASH_REDIS_REST_URL/TOKEN.
 * @module
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../../errors.ts";
import { generateBridgeToken, startRedisRestBridge } from "../redis-bridge/server.ts";

/** Usage text of `celeriac redis-bridge`. */
export const REDIS_BRIDGE_USAGE = `Usage: celeriac redis-bridge [--redis <url>] [--port <n>] [--host <addr>] [--token <t>]

Serves the Upstash Redis REST API (what @upstash/redis speaks) over a self-hosted Redis.

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

/**
 * Runs `celeriac redis-bridge` with the arguments after the subcommand. Resolves once the bridge
 * has shut down (Ctrl-C, SIGTERM, or `io.signal`); throws `ConfigError` for bad arguments or a
 * port in use.
 */
export async function redisBridgeCommand(argv: string[], io: RedisBridgeCommandIO = {}): Promise<void> {
  const out = io.out ?? ((line: string) => process.stdout.write(line + "\n"));
  const err = io.err ?? ((line: string) => process.stderr.write(line + "\n"));
  const env = io.env ?? process.env;
  const args = parse(argv);
  if (args.help) {
    out(REDIS_BRIDGE_USAGE);
    return;
  }
  const redisUrl = args.redis ?? env.REDIS_URL ?? "redis://127.0.0.1:6379";
  const server = await startRedisRestBridge({
    redisUrl,
    port: port(args.port),
    host: args.host,
    token: args.token ?? generateBridgeToken(),
    log: (message) => err(`redis-bridge: ${message}`),
  });
  err(`redis-bridge: Upstash Redis REST API on ${server.url}, forwarding to ${server.bridge.redisLabel}`);
  out(`UPSTASH_REDIS_REST_URL=${server.url}`);
  out(`UPSTASH_REDIS_REST_TOKEN=${server.token}`);
  server.bridge.waitUntilReady(3000).then(
    () => err("redis-bridge: Redis is reachable; ready."),
    (e: Error) => err(`redis-bridge: ${e.message.replace(/^ERR /, "")} Requests get HTTP 503 until it is.`),
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      io.signal?.removeEventListener("abort", stop);
      resolve();
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
    if (io.signal?.aborted) stop();
    else io.signal?.addEventListener("abort", stop, { once: true });
  });
  err("redis-bridge: shutting down.");
  await server.close();
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        redis: { type: "string" },
        port: { type: "string", short: "p" },
        host: { type: "string" },
        token: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }).values;
  } catch (e) {
    throw new ConfigError(`${(e as Error).message}\n\n${REDIS_BRIDGE_USAGE}`);
  }
}

function port(text: string | undefined): number {
  if (text === undefined) return 8079;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new ConfigError(`--port must be an integer from 0 to 65535, got "${text}".`);
  }
  return value;
}
