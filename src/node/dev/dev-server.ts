/**
 * The dev server: the local broker, the worker for your functions, the publish API and the
 * dashboard in one Node process. Zero infrastructure by default (in-memory backend and broker);
 * with `redis`, results go to a real Redis through the in-process REST bridge and `RedisBackend`,
 * the production code path.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import { dirname, resolve } from "node:path";
import type { Backend } from "../../backend/backend.ts";
import { MemoryBackend } from "../../backend/memory.ts";
import { createLocalBroker, type LocalBroker } from "../../broker/local/create-local-broker.ts";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN } from "../../broker/local/dev-credentials.ts";
import { setContextStorage } from "../../current.ts";
import { consoleLogger, type Logger } from "../../util/logger.ts";
import { type Registry, toRegistry } from "../../task/registry.ts";
import type { AnyTask } from "../../task/task.ts";
import type { Schedule } from "../../schedule/schedule.ts";
import { createWorker, type Worker } from "../../worker/create-worker.ts";
import { nodeBrokerOptions } from "../broker/node-options.ts";
import { listenHttp } from "../http/listen.ts";
import { importOptional } from "../import-optional.ts";
import { NODE_PARTS } from "../parts.ts";
import type { StartedRedisRestBridge } from "../redis-bridge/server.ts";
import { createDashboard, RecentTasks } from "./dashboard.ts";
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
  /** Result TTL in ms. Default 1 day. */
  resultExpiresMs?: number;
  /**
   * Reload when a file under the functions module's directory changes (`tasks` must be a path;
   * the CLI registers the module hooks a reload needs). Default false.
   */
  watch?: boolean;
  logger?: Logger;
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
  const path = typeof options.tasks === "string" || options.tasks === undefined ? options.tasks ?? "functions/index.ts" : undefined;
  let generation = 0;
  const load = async (): Promise<LoadedFunctions> =>
    path === undefined
      ? { registry: toRegistry(options.tasks as Exclude<DevServerOptions["tasks"], string | undefined>), schedules: await devSchedules(options.tasks) }
      : await loadFunctions(path, { generation });
  const loaded = await load();
  const resultExpiresMs = options.resultExpiresMs ?? 86_400_000;
  const apiToken = options.apiToken ?? randomBytes(18).toString("base64url");
  const host = options.host ?? "127.0.0.1";

  let bridge: StartedRedisRestBridge | undefined;
  let backend: Backend;
  if (options.redis) {
    const { startRedisRestBridge } = await importOptional("redis", "celeriac dev --redis", () => import("../redis-bridge/server.ts"));
    bridge = await startRedisRestBridge({ redisUrl: options.redis, port: 0, waitForRedisMs: options.redisTimeoutMs ?? 3000 });
    backend = NODE_PARTS.backend({ url: bridge.url, token: bridge.token, prefix: undefined, resultExpiresMs, disableTelemetry: true });
  } else {
    backend = new MemoryBackend();
  }

  const node = nodeBrokerOptions();
  const broker = createLocalBroker({ token: DEV_TOKEN, currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY, ...node });
  const recent = new RecentTasks(200);
  let worker: Worker | undefined;
  let dashboard: ReturnType<typeof createDashboard> | undefined;
  const fetchHandler = (req: Request): Response | Promise<Response> => {
    const pathname = new URL(req.url).pathname;
    if (pathname.startsWith("/v2/")) return broker.app.fetch(req);
    if (pathname === "/" || pathname.startsWith("/dev/")) return dashboard!.fetch(req);
    return worker!.fetch(req);
  };
  let server: Server;
  let port: number;
  try {
    ({ server, port } = await listenHttp(fetchHandler, host, options.port ?? 8787));
  } catch (error) {
    await broker.close();
    node.deliver.close();
    await bridge?.close();
    throw error;
  }
  const url = `http://${host}:${port}`;
  const publisherBroker = recent.wrap(NODE_PARTS.broker({ baseUrl: url, token: DEV_TOKEN }));
  const serve = async ({ registry, schedules }: { registry: Registry; schedules: Schedule[] }): Promise<void> => {
    worker = createWorker({
      tasks: registry,
      backend,
      broker: publisherBroker,
      verifier: NODE_PARTS.verifier({ currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY }),
      publicUrl: url,
      apiToken,
      resultExpires: resultExpiresMs / 1000,
      hostname: `dev@${host}`,
      logger,
      schedules,
    });
    dashboard = createDashboard({ recent, backend, registry });
    await syncDevSchedules(publisherBroker, schedules, url, logger);
  };
  await serve(loaded);

  const reload = async (): Promise<number> => {
    generation++;
    const next = await load();
    await serve(next);
    return next.registry.names().length;
  };
  const unwatch = options.watch && path !== undefined
    ? watchFunctions(dirname(resolve(path)), () =>
      reload().then(
        (n) => logger.info(`reloaded functions (${n} task${n === 1 ? "" : "s"})`),
        (error: Error) => logger.error(`reload failed: ${error.message.replace(/\s*\n\s*/g, " ")}`),
      ))
    : undefined;
  return {
    url,
    apiToken,
    get worker() {
      return worker!;
    },
    backend,
    broker,
    reload,
    async close() {
      unwatch?.();
      await new Promise<void>((r) => server.close(() => r()));
      await broker.close();
      node.deliver.close();
      await bridge?.close();
    },
  };
}
