/**
 * The three server roles of celeriac's real stack, each served over HTTP on a loopback port:
 * - `bridge`: the Redis REST bridge (`src/node/redis-bridge/server.ts`) in front of redis-server;
 * - `broker`: the local broker with celeriac's keep-alive delivery client and node:crypto signer
 *   (`nodeBrokerOptions()`; undici's client with `parts: "undici"`), served with `@hono/node-server`;
 * - `worker`: `createWorker()` for `math_add` (and the cost-path variants in `tasks.ts`) with `RedisBackend` → `@upstash/redis` → the bridge,
 *   verifying the broker's signatures, served with `@hono/node-server`.
 * The worker's (and the client's) backend, broker and verifier are built by the same part
 * factories `fromEnv` uses: `NODE_PARTS` (what `serveNode` runs) or `OFFICIAL_PARTS`, or by
 * `UNDICI_PARTS` (`NODE_PARTS` on undici, `undici-parts.ts`).
 * A process hosts any subset (the benchmark measures which split is fastest).
 * @module
 */
import { serve, type ServerType } from "@hono/node-server";
import type { CommandCounts, RedisBackend } from "../../src/backend/redis/index.ts";
import { type Broker, createWorker } from "../../src/index.ts";
import { createLocalBroker } from "../../src/broker/local/index.ts";
import { type EnvParts, OFFICIAL_PARTS, silentLogger } from "../../src/config/index.ts";
import { NODE_PARTS, nodeBrokerOptions } from "../../src/adapters/node.ts";
import { startRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { BENCH_TASKS } from "./tasks.ts";
import { UNDICI_PARTS, undiciBrokerOptions } from "./undici-parts.ts";

export type Role = "bridge" | "broker" | "worker";

/** Where the running roles answer (filled in as roles start). */
export interface Endpoints {
  bridgeUrl?: string;
  bridgeToken?: string;
  brokerUrl?: string;
  brokerToken?: string;
  signingKeys?: { current: string; next: string };
  workerUrl?: string;
}

/** Settings every role needs. */
export interface RoleSettings {
  /** redis://127.0.0.1:6379/<db> */
  redisUrl: string;
  /** Key prefix of celeriac's keys. */
  prefix: string;
  /** Result TTL, ms. */
  resultExpiresMs: number;
  /** Local broker deliveries in flight at once. */
  brokerConcurrency: number;
  /**
   * Which part factories build the backend, broker and verifier: `"node"` (`NODE_PARTS`, what
   * `serveNode` uses: celeriac's socket client under `@upstash/redis`, …), `"undici"` (the same
   * with undici's client in its place, the local broker's deliveries too) or `"official"`
   * (`OFFICIAL_PARTS`: the official clients on Node's global fetch, the official Receiver).
   */
  parts: PartsName;
}

/** Roles running in this process. */
export interface HostedRoles {
  endpoints: Endpoints;
  /** The worker's backend counter (when this process hosts the worker). */
  workerCommands(): CommandCounts | undefined;
  resetWorkerCommands(): void;
  /** Deliveries the worker answered 2xx since start (when hosted here). */
  delivered(): number;
  close(): Promise<void>;
}

export type PartsName = "node" | "official" | "undici";
const PARTS: Record<PartsName, EnvParts> = { node: NODE_PARTS, official: OFFICIAL_PARTS, undici: UNDICI_PARTS };

/** The backend the parts build, pointed at the bridge (`@upstash/redis` with its defaults). */
export function benchBackend(settings: RoleSettings, endpoints: Endpoints): RedisBackend {
  if (!endpoints.bridgeUrl || !endpoints.bridgeToken) throw new Error("No bridge endpoint: start the bridge role first.");
  const v = { url: endpoints.bridgeUrl, token: endpoints.bridgeToken, prefix: settings.prefix, resultExpiresMs: settings.resultExpiresMs, disableTelemetry: true };
  return PARTS[settings.parts].backend(v) as RedisBackend;
}

/** The broker client the parts build, pointed at the local broker. */
export function benchBroker(settings: RoleSettings, endpoints: Endpoints): Broker {
  if (!endpoints.brokerUrl || !endpoints.brokerToken) throw new Error("No broker endpoint: start the broker role first.");
  return PARTS[settings.parts].broker({ token: endpoints.brokerToken, baseUrl: endpoints.brokerUrl });
}

/** Serve `fetch` on a random loopback port. */
export function serveOn(fetch: (req: Request) => Response | Promise<Response>): Promise<{ url: string; server: ServerType }> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname: "127.0.0.1", port: 0 }, (info) => resolve({ url: `http://127.0.0.1:${info.port}`, server }));
    server.once("error", reject);
  });
}

function closeServer(server: ServerType): Promise<void> {
  return new Promise((resolve) => {
    (server as { closeAllConnections?: () => void }).closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** Start `roles` in this process, in dependency order (bridge, broker, worker), given the endpoints of roles hosted elsewhere. */
export async function startRoles(roles: Role[], settings: RoleSettings, known: Endpoints): Promise<HostedRoles> {
  const endpoints: Endpoints = { ...known };
  const closers: (() => Promise<void> | void)[] = [];
  let workerBackend: RedisBackend | undefined;
  let delivered = 0;

  if (roles.includes("bridge")) {
    const bridge = await startRedisRestBridge({ redisUrl: settings.redisUrl, port: 0, host: "127.0.0.1" });
    await bridge.bridge.waitUntilReady();
    endpoints.bridgeUrl = bridge.url;
    endpoints.bridgeToken = bridge.token;
    closers.push(() => bridge.close());
  }
  if (roles.includes("broker")) {
    const node = settings.parts === "undici" ? undiciBrokerOptions() : nodeBrokerOptions();
    const broker = createLocalBroker({ ...node, maxConcurrency: settings.brokerConcurrency, onError: () => {} });
    const served = await serveOn(broker.fetch);
    endpoints.brokerUrl = served.url;
    endpoints.brokerToken = broker.token;
    endpoints.signingKeys = { ...broker.keys };
    closers.push(async () => {
      await broker.close();
      node.deliver.close();
      await closeServer(served.server);
    });
  }
  if (roles.includes("worker")) {
    if (!endpoints.brokerUrl || !endpoints.brokerToken || !endpoints.signingKeys) throw new Error("No broker endpoint: start the broker role first.");
    workerBackend = benchBackend(settings, endpoints);
    let worker: ReturnType<typeof createWorker> | undefined;
    const served = await serveOn(async (req) => {
      const res = await worker!.fetch(req);
      if (res.status === 200) delivered++;
      return res;
    });
    worker = createWorker({
      tasks: BENCH_TASKS,
      backend: workerBackend,
      broker: benchBroker(settings, endpoints),
      verifier: PARTS[settings.parts].verifier({ currentSigningKey: endpoints.signingKeys.current, nextSigningKey: endpoints.signingKeys.next }),
      publicUrl: served.url,
      logger: silentLogger,
      resultExpires: settings.resultExpiresMs / 1000,
    });
    endpoints.workerUrl = served.url;
    closers.push(() => closeServer(served.server));
  }
  return {
    endpoints,
    workerCommands: () => workerBackend?.commands.snapshot(),
    resetWorkerCommands: () => workerBackend?.commands.reset(),
    delivered: () => delivered,
    async close() {
      for (const close of closers.reverse()) await close();
    },
  };
}
