/**
 * The dev server: the local broker, the worker for your functions, the publish API and the
 * dashboard in one Node process. Zero infrastructure by default (in-memory backend and broker);
 * with `redis`, results go to a real Redis through the in-process REST bridge and `RedisBackend`,
 * the production code path.
 * @module
 */
import { collectQueues, syncQueues } from "../../publish/queue-sync.ts";
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { dirname, resolve } from "node:path";
import type { Backend } from "../../backend/backend.ts";
import { MemoryBackend } from "../../backend/memory.ts";
import { createLocalBroker, type LocalBroker } from "../../broker/local/create-local-broker.ts";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN } from "../../broker/local/dev-credentials.ts";
import { setContextStorage } from "../../current.ts";
import { consoleLogger, type Logger } from "../../util/logger.ts";
import { type Registry, toRegistry } from "../../task/registry.ts";
import type { AnyTask } from "../../task/task.ts";
import { createWorker, type Worker } from "../../worker/create-worker.ts";
import { nodeBrokerOptions } from "../broker/node-options.ts";
import { listenHttp } from "../http/listen.ts";
import type { ServerLimits } from "../http/server-limits.ts";
import { importOptional } from "../import-optional.ts";
import { NODE_PARTS } from "../parts.ts";
import { dashboard } from "../../dashboard/index.ts";
import { devSchedules, syncDevSchedules } from "./dev-schedules.ts";
import { type LoadedFunctions, loadFunctions } from "./load-functions.ts";
import { watchFunctions } from "./watch-functions.ts";

export interface DevServerOptions {
  /** Default 8787 (`0` picks a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The tasks, or the path of a module exporting them. Default `functions/index.ts`. */
  tasks?: Registry | Iterable<AnyTask> | Record<string, unknown> | string;
  /** `redis://…`: store results in this Redis (through the REST bridge) instead of memory. */
  redis?: string;
  /** How long Redis may take to answer at start, in ms; an unreachable Redis fails the start. Default 3000. */
  redisTimeoutMs?: number;
  /** The publish API token. Default: `CELERIAC_API_TOKEN`, else a generated one. */
  apiToken?: string;
  /** How often dashboard pages refresh, ms. Default 2000. */
  dashboardRefreshMs?: number;
  /** Result TTL in ms. Default 1 day. */
  resultExpiresMs?: number;
  /**
   * Reload when a file under the functions module's directory changes (`tasks` must be a path;
   * the CLI registers the module hooks a reload needs). Default false.
   */
  watch?: boolean;
  logger?: Logger;
  /** Slow-client and connection limits of the HTTP server (headers, request, keep-alive timeouts; max connections). Default: `DEFAULT_SERVER_LIMITS`. */
  serverLimits?: ServerLimits;
}

export interface DevServer {
  url: string;
  apiToken: string;
  /** The worker serving the current version of the functions (a reload replaces it). */
  readonly worker: Worker;
  backend: Backend;
  broker: LocalBroker;
  /**
   * Loads the functions module again and serves the new version on the same port, token, broker
   * and backend (deliveries already running finish on the old code). Resolves the number of
   * tasks; rejects with a `ConfigError` and keeps serving the old version when they fail to load.
   */
  reload(): Promise<number>;
  close(): Promise<void>;
}

/** Start the dev server. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  setContextStorage(new AsyncLocalStorage());
  const logger = options.logger ?? consoleLogger();
  const functions = devFunctions(options.tasks);
  const first = await functions.load(0);
  const resultExpiresMs = options.resultExpiresMs ?? 86_400_000;
  const apiToken = options.apiToken ?? randomBytes(18).toString("base64url");
  const host = options.host ?? "127.0.0.1";
  const store = await devBackend(options, resultExpiresMs);
  const node = nodeBrokerOptions();
  const broker = createLocalBroker({ token: DEV_TOKEN, currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY, ...node });
  let current: { worker: Worker } | undefined;
  const route = (req: Request): Response | Promise<Response> => {
    const pathname = new URL(req.url).pathname;
    if (pathname.startsWith("/v2/")) return broker.app.fetch(req);
    if (pathname === "/") return Response.redirect(new URL("/dashboard/tasks", req.url), 302);
    return current!.worker.fetch(req);
  };
  const { server, port } = await listenHttp(route, host, options.port ?? 8787, options.serverLimits).catch(async (error: unknown) => {
    await broker.close();
    node.deliver.close();
    await store.close();
    throw error;
  });
  const url = `http://${host}:${port}`;
  const publisherBroker = NODE_PARTS.broker({ baseUrl: url, token: DEV_TOKEN });
  // Issue #20: the dashboard's data needs the token unless the server listens on loopback only.
  const dashboardPart = dashboard({ loopbackReads: isLoopback(host), refreshMs: options.dashboardRefreshMs });
  /** Serves `loaded` from now on; deliveries already running finish on the worker they started on. */
  const serve = async ({ registry, schedules, queues }: LoadedFunctions): Promise<void> => {
    const worker = createWorker({
      tasks: registry,
      backend: store.backend,
      broker: publisherBroker,
      verifier: NODE_PARTS.verifier({ currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY }),
      publicUrl: url,
      apiToken,
      resultExpires: resultExpiresMs / 1000,
      hostname: `dev@${host}`,
      logger,
      schedules,
      dashboard: dashboardPart,
    });
    current = { worker };
    await syncDevSchedules(publisherBroker, schedules, url, logger);
    for (const c of (await syncQueues(publisherBroker, queues)).changes) logger.info(`queue ${c.name}: parallelism ${c.parallelism}${c.paused ? ", paused" : ""}`);
  };
  await serve(first);

  let generation = 0;
  const reload = async (): Promise<number> => {
    const next = await functions.load(++generation);
    await serve(next);
    return next.registry.names().length;
  };
  const unwatch = options.watch && functions.path !== undefined
    ? watchFunctions(dirname(resolve(functions.path)), () =>
      reload().then(
        (n) => logger.info(`reloaded functions (${n} task${n === 1 ? "" : "s"})`),
        (error: Error) => logger.error(`reload failed: ${error.message.replace(/\s*\n\s*/g, " ")}`),
      ))
    : undefined;
  return {
    url,
    apiToken,
    get worker() {
      return current!.worker;
    },
    backend: store.backend,
    broker,
    reload,
    async close() {
      unwatch?.();
      await new Promise<void>((r) => server.close(() => r()));
      await broker.close();
      node.deliver.close();
      await store.close();
    },
  };
}

/** True for an address only this machine can reach. */
function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\./.test(host);
}

/** Where the tasks come from: a module path (loaded again for each generation) or the values given. */
function devFunctions(tasks: DevServerOptions["tasks"]): { path?: string; load(generation: number): Promise<LoadedFunctions> } {
  if (typeof tasks === "string" || tasks === undefined) {
    const path = tasks ?? "functions/index.ts";
    return { path, load: (generation) => loadFunctions(path, { generation }) };
  }
  return { load: async () => ({ registry: toRegistry(tasks), schedules: await devSchedules(tasks), queues: collectQueues(tasks as Iterable<unknown> | Record<string, unknown>) }) };
}

/** The result backend: in memory, or (with `redis`) `RedisBackend` through the in-process REST bridge, once Redis answers. */
async function devBackend(options: DevServerOptions, resultExpiresMs: number): Promise<{ backend: Backend; close(): Promise<void> }> {
  if (!options.redis) return { backend: new MemoryBackend(), close: async () => {} };
  const { startRedisRestBridge } = await importOptional("redis", "celeriac dev --redis", () => import("../redis-bridge/server.ts"));
  const bridge = await startRedisRestBridge({ redisUrl: options.redis, port: 0, waitForRedisMs: options.redisTimeoutMs ?? 3000 });
  const backend = NODE_PARTS.backend({ url: bridge.url, token: bridge.token, prefix: undefined, resultExpiresMs, disableTelemetry: true });
  return { backend, close: () => bridge.close() };
}
