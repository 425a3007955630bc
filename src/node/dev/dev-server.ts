/**
 * The dev server: the local broker, the worker for your functions, the publish API and the
 * dashboard in one Node process. Zero infrastructure by default (in-memory backend and broker);
 * with `redis`, results go to a real Redis through the in-process REST bridge and `RedisBackend`,
 * the production code path.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomBytes } from "node:crypto";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { serve, type ServerType } from "@hono/node-server";
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
import { NODE_PARTS } from "../parts.ts";
import { startRedisRestBridge, type StartedRedisRestBridge } from "../redis-bridge/server.ts";
import { createDashboard, RecentTasks } from "./dashboard.ts";
import { devSchedules, syncDevSchedules } from "./dev-schedules.ts";

export interface DevServerOptions {
  /** Default 8787 (`0` picks a free port). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** The tasks, or the path of a module exporting them. Default `functions/index.ts`. */
  tasks?: Registry | Iterable<AnyTask> | Record<string, unknown> | string;
  /** `redis://…`: store results in this Redis (through the REST bridge) instead of memory. */
  redis?: string;
  /** The publish API token. Default: `CELERIAC_API_TOKEN`, else a generated one. */
  apiToken?: string;
  /** Result TTL in ms. Default 1 day. */
  resultExpiresMs?: number;
  logger?: Logger;
}

export interface DevServer {
  url: string;
  apiToken: string;
  worker: Worker;
  backend: Backend;
  broker: LocalBroker;
  close(): Promise<void>;
}

/** Load a functions module and collect the tasks it exports. */
export async function loadTasks(path: string): Promise<Registry> {
  const mod = await import(pathToFileURL(resolve(path)).href);
  const registry = toRegistry(mod as Record<string, unknown>);
  if (!registry.names().length) throw new TypeError(`${path} exports no tasks: export the values returned by task(...) from it.`);
  return registry;
}

/** Start the dev server. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  setContextStorage(new AsyncLocalStorage());
  const logger = options.logger ?? consoleLogger();
  const registry = typeof options.tasks === "string" || options.tasks === undefined
    ? await loadTasks(options.tasks ?? "functions/index.ts")
    : toRegistry(options.tasks);
  const schedules = await devSchedules(options.tasks);
  const resultExpiresMs = options.resultExpiresMs ?? 86_400_000;
  const apiToken = options.apiToken ?? randomBytes(18).toString("base64url");

  let bridge: StartedRedisRestBridge | undefined;
  let backend: Backend;
  if (options.redis) {
    bridge = await startRedisRestBridge({ redisUrl: options.redis, port: 0 });
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
    const path = new URL(req.url).pathname;
    if (path.startsWith("/v2/")) return broker.app.fetch(req);
    if (path === "/" || path.startsWith("/dev/")) return dashboard!.fetch(req);
    return worker!.fetch(req);
  };
  const host = options.host ?? "127.0.0.1";
  const { server, port } = await listen(fetchHandler, host, options.port ?? 8787);
  const url = `http://${host}:${port}`;
  const publisherBroker = recent.wrap(NODE_PARTS.broker({ baseUrl: url, token: DEV_TOKEN }));
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
  await syncDevSchedules(publisherBroker, schedules, url, logger);
  dashboard = createDashboard({ recent, backend, registry });
  return {
    url,
    apiToken,
    worker,
    backend,
    broker,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      await broker.close();
      node.deliver.close();
      await bridge?.close();
    },
  };
}

function listen(fetch: (req: Request) => Response | Promise<Response>, hostname: string, port: number): Promise<{ server: ServerType; port: number }> {
  return new Promise((resolvePromise, reject) => {
    const server = serve({ fetch, hostname, port }, (info) => resolvePromise({ server, port: info.port }));
    server.once("error", reject);
  });
}
