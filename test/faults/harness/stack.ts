/**
 * The fault suite's stack, every part a separate process it can kill, pause and restart on the
 * same port: its own `redis-server` (no persistence), the Redis REST bridge (`celeriac
 * redis-bridge`, the CLI a user runs), Redis-backed local brokers (`broker-process.ts`) and worker
 * processes (`worker-process.ts`). This process publishes through celeriac's client (the official
 * QStash client) and reads the outcome straight from Redis: each task's stored state, and how often
 * each body started and returned (the workers' run logs).
 * @module
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "@upstash/redis";
import { createClient as createRedisClient } from "redis";
import { type Client, createClient } from "../../../src/index.ts";
import { RedisBackend } from "../../../src/backend/redis/index.ts";
import { QStashBroker } from "../../../src/qstash.ts";
import { findRedisServer, INSTALL_HINT } from "../../support/redis-server.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/wait.ts";
import { faultTasks } from "./fault-tasks.ts";
import { type Proc, startProc } from "./process.ts";

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
const CLI = fileURLToPath(new URL("../../../bin/celeriac.mjs", import.meta.url));
const NODE_TSX = [process.execPath, "--import", "tsx"] as const;
const TOKEN = `fault-${crypto.randomUUID()}`;
const SIGNING = { current: `sig_fault_current_${crypto.randomUUID()}`, next: `sig_fault_next_${crypto.randomUUID()}` };

/** A part of the stack that can be killed and started again on the same port. */
export interface Part {
  readonly url: string;
  proc: Proc;
  /** How long its last start took, ms (from spawn to serving). */
  lastStartMs: number;
  /** Start it (again); resolves once it serves. */
  start(): Promise<void>;
  /** SIGKILL; resolves once gone. */
  kill(): Promise<void>;
}

/** A worker: also replaceable without a gap (the replacement loads while the old one serves). */
export interface WorkerPart extends Part {
  /** Load a replacement process (it does not listen yet). */
  loadReplacement(): Promise<Proc>;
  /** SIGKILL the running process and let the replacement (`loaded`, else one loaded now) listen. */
  killAndReplace(loaded?: Proc): Promise<void>;
}

export interface FaultStackOptions {
  brokers?: number;
  workers?: number;
  /** Per worker: its clock minus the real one, ms. */
  clockOffsetsMs?: number[];
  /** Brokers and workers print their `process.memoryUsage()` this often (ms). Default never. */
  memorySampleMs?: number;
  /** The workers' result TTL, seconds (`CELERIAC_RESULT_EXPIRES`). Default 1 day. */
  resultExpiresSec?: number;
  /** Multiplies the brokers' retry delays (QStash's e^2.5 s, e^5 s…). Default 1. */
  retryDelayScale?: number;
  /** The workers' `lease`, seconds: default 6 (the fault tasks' time limit + 1 s); `"worker default"` leaves the worker's own (30 s). */
  lease?: number | "worker default";
  /** Extra Node flags per kind of part (e.g. `{ broker: ["--heap-prof"] }`: profiling, GC traces). Default none. */
  nodeFlags?: Partial<Record<"bridge" | "broker" | "worker", string[]>>;
}

/** Task name → how often its body started and returned, per task id. */
export interface Runs {
  started: Map<string, number>;
  returned: Map<string, number>;
}

export interface FaultStack {
  dir: string;
  redisUrl: string;
  redis: Part & { pause(): void; resume(): void };
  bridge: Part;
  brokers: Part[];
  workers: WorkerPart[];
  /** Broker `b` through the Broker port (its delivery log and DLQ). */
  broker(b?: number): QStashBroker;
  /** A client publishing to broker `b` for worker `w`. */
  client(b?: number, w?: number): Client;
  /** Stored state of each id (undefined while PENDING), read straight from Redis. */
  states(ids: string[]): Promise<(string | undefined)[]>;
  /** Stored result meta of one id (status, result, traceback). */
  meta(id: string): Promise<Record<string, unknown> | undefined>;
  /** The broker's log of task `id` (its label), oldest first, compacted: state, HTTP status, time. */
  trail(id: string): Promise<string[]>;
  /** Body starts and returns, from every worker's run log. */
  runs(): Runs;
  /** Every worker's warning and error lines. */
  workerLog(): string;
  /** Every process's resident memory, bytes, by part name. */
  rss(): Record<string, number | undefined>;
  /** The JavaScript heap in use, bytes, of each broker and worker (with `memorySampleMs`). */
  heapUsed(): Record<string, number | undefined>;
  close(): Promise<void>;
}

async function ping(url: string): Promise<boolean> {
  const c = createRedisClient({ url, RESP: 2, socket: { connectTimeout: 1000, reconnectStrategy: false } });
  c.on("error", () => {});
  try {
    await c.connect();
    await c.ping();
    return true;
  } catch {
    return false;
  } finally {
    await c.close().catch(() => {});
  }
}

/** Start the whole stack. */
export async function startFaultStack(options: FaultStackOptions = {}): Promise<FaultStack> {
  const REDIS_SERVER_BIN = findRedisServer();
  if (!REDIS_SERVER_BIN) throw new Error(`redis-server not found: install it (bash ${INSTALL_HINT})`);
  const dir = mkdtempSync(join(tmpdir(), "celeriac-faults-"));
  const prefix = "faults:";
  const brokerPrefix = "faults:broker:";
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const started: Part[] = [];

  const redis: FaultStack["redis"] = {
    url: redisUrl,
    proc: undefined as unknown as Proc,
    lastStartMs: 0,
    async start() {
      this.proc = startProc("redis-server", REDIS_SERVER_BIN!, ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--maxclients", "2000"]);
      await waitFor(async () => {
        if (!this.proc.alive()) throw new Error(`redis-server exited:\n${this.proc.output()}`);
        return await ping(redisUrl);
      }, { timeoutMs: 15_000, what: "redis-server to answer PING" });
    },
    async kill() {
      await this.proc.kill();
    },
    pause() {
      this.proc.pause();
    },
    resume() {
      this.proc.resume();
    },
  };
  await redis.start();
  started.push(redis);

  const bridgePort = await freePort();
  const bridgeToken = `bridge-${crypto.randomUUID()}`;
  const bridge: Part = {
    url: `http://127.0.0.1:${bridgePort}`,
    proc: undefined as unknown as Proc,
    lastStartMs: 0,
    async start() {
      const t0 = Date.now();
      this.proc = startProc("redis-bridge", process.execPath, [...(options.nodeFlags?.bridge ?? []), CLI, "redis-bridge", "--redis", redisUrl, "--port", String(bridgePort), "--token", bridgeToken]);
      await this.proc.waitForLine(/^UPSTASH_REDIS_REST_TOKEN=/);
      this.lastStartMs = Date.now() - t0;
    },
    async kill() {
      await this.proc.kill();
    },
  };
  try {
    await bridge.start();
    started.push(bridge);

    const brokers: Part[] = [];
    for (let i = 0; i < (options.brokers ?? 1); i++) {
      const port = await freePort();
      const part: Part = {
        url: `http://127.0.0.1:${port}`,
        proc: undefined as unknown as Proc,
        lastStartMs: 0,
        async start() {
          const t0 = Date.now();
          this.proc = startProc(`broker-${i}`, NODE_TSX[0], [...(options.nodeFlags?.broker ?? []), ...NODE_TSX.slice(1), here("./broker-process.ts")], {
            FAULT_PORT: String(port), FAULT_REDIS_URL: redisUrl, FAULT_BROKER_PREFIX: brokerPrefix,
            QSTASH_TOKEN: TOKEN, QSTASH_CURRENT_SIGNING_KEY: SIGNING.current, QSTASH_NEXT_SIGNING_KEY: SIGNING.next,
            FAULT_RETRY_DELAY_SCALE: String(options.retryDelayScale ?? 1),
            FAULT_MEMORY_SAMPLE_MS: String(options.memorySampleMs ?? 0),
          });
          await this.proc.waitForLine(/^ready$/);
          this.lastStartMs = Date.now() - t0;
        },
        async kill() {
          await this.proc.kill();
        },
      };
      await part.start();
      brokers.push(part);
      started.push(part);
    }

    const workers: WorkerPart[] = [];
    for (let i = 0; i < (options.workers ?? 1); i++) {
      const port = await freePort();
      const url = `http://127.0.0.1:${port}`;
      const runLog = join(dir, `runs-${i}.log`);
      const workerLog = join(dir, `worker-${i}.log`);
      writeFileSync(runLog, "");
      writeFileSync(workerLog, "");
      const env = {
        UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridgeToken, CELERIAC_KEY_PREFIX: prefix,
        QSTASH_URL: brokers[i % brokers.length].url, QSTASH_TOKEN: TOKEN,
        QSTASH_CURRENT_SIGNING_KEY: SIGNING.current, QSTASH_NEXT_SIGNING_KEY: SIGNING.next,
        CELERIAC_URL: url, CELERIAC_API_TOKEN: `api-${crypto.randomUUID()}`, FAULT_PORT: String(port), FAULT_RUN_LOG: runLog, FAULT_WORKER_LOG: workerLog,
        FAULT_CLOCK_OFFSET_MS: String(options.clockOffsetsMs?.[i] ?? 0),
        FAULT_MEMORY_SAMPLE_MS: String(options.memorySampleMs ?? 0),
        ...(options.lease === "worker default" ? {} : { FAULT_LEASE_SEC: String(options.lease ?? 6) }),
        ...(options.resultExpiresSec ? { CELERIAC_RESULT_EXPIRES: String(options.resultExpiresSec) } : {}),
      };
      const load = async () => {
        const proc = startProc(`worker-${i}`, NODE_TSX[0], [...(options.nodeFlags?.worker ?? []), ...NODE_TSX.slice(1), here("./worker-process.ts")], env);
        await proc.waitForLine(/^loaded$/, 60_000);
        return proc;
      };
      const part: WorkerPart = {
        url,
        proc: undefined as unknown as Proc,
        lastStartMs: 0,
        async start() {
          this.proc = await load();
          this.proc.send("listen");
          await this.proc.waitForLine(/^ready$/);
        },
        async kill() {
          await this.proc.kill();
        },
        loadReplacement: load,
        async killAndReplace(loaded) {
          const next = loaded ?? (await load());
          await this.proc.kill();
          this.proc = next;
          next.send("listen");
          await next.waitForLine(/^ready$/);
        },
      };
      await part.start();
      workers.push(part);
      started.push(part);
    }

    const direct = createRedisClient({ url: redisUrl, RESP: 2, socket: { reconnectStrategy: (n) => Math.min(50 * n, 500) } });
    direct.on("error", () => {});
    await direct.connect();
    // Celery's result key under the prefix (it ends in ":", so nothing is appended): src/keys.ts.
    const resultKey = (id: string) => `${prefix}celery-task-meta-${id}`;
    const backend = new RedisBackend({ redis: new Redis({ url: bridge.url, token: bridgeToken, enableTelemetry: false }), prefix, resultExpiresMs: 3_600_000 });
    const tasks = faultTasks(join(dir, "unused.log"));
    const clients = new Map<string, Client>();

    return {
      dir, redisUrl, redis, bridge, brokers, workers,
      broker: (b = 0) => new QStashBroker({ token: TOKEN, baseUrl: brokers[b].url, networkRetries: 0 }),
      client(b = 0, w = 0) {
        const key = `${b}:${w}`;
        if (!clients.has(key)) {
          clients.set(key, createClient({
            broker: new QStashBroker({ token: TOKEN, baseUrl: brokers[b].url, networkRetries: 0 }),
            backend, workerUrl: workers[w].url, tasks, setAsCurrent: false,
          }));
        }
        return clients.get(key)!;
      },
      async states(ids) {
        const out: (string | undefined)[] = [];
        for (let i = 0; i < ids.length; i += 500) {
          const metas = await direct.mGet(ids.slice(i, i + 500).map((id) => resultKey(id)));
          for (const m of metas) out.push(m ? (JSON.parse(m) as { status: string }).status : undefined);
        }
        return out;
      },
      async meta(id) {
        const m = await direct.get(resultKey(id));
        return m ? (JSON.parse(m) as Record<string, unknown>) : undefined;
      },
      async trail(id) {
        const res = await fetch(`${brokers[0].url}/v2/logs?label=${encodeURIComponent(id)}&count=100`, { headers: { authorization: `Bearer ${TOKEN}` } });
        const { logs = [] } = (await res.json()) as { logs?: { state: string; responseStatus?: number; time: number; error?: string; responseBody?: string }[] };
        return logs.reverse().map((l) => `${new Date(l.time).toISOString().slice(11, 23)} ${l.state}${l.responseStatus ? ` ${l.responseStatus}` : ""}${l.error ? ` ${l.error}` : ""}${l.responseBody ? ` ${l.responseBody.slice(0, 120)}` : ""}`);
      },
      runs() {
        const runs: Runs = { started: new Map(), returned: new Map() };
        for (let i = 0; i < workers.length; i++) {
          for (const line of readFileSync(join(dir, `runs-${i}.log`), "utf8").split("\n")) {
            const [kind, id] = line.split(" ");
            const map = kind === "B" ? runs.started : kind === "E" ? runs.returned : undefined;
            if (map && id) map.set(id, (map.get(id) ?? 0) + 1);
          }
        }
        return runs;
      },
      workerLog() {
        return workers.map((_, i) => join(dir, `worker-${i}.log`)).filter(existsSync).map((f) => readFileSync(f, "utf8")).join("");
      },
      rss() {
        return Object.fromEntries([redis, bridge, ...brokers, ...workers].map((p) => [p.proc.name, p.proc.rssBytes()]));
      },
      heapUsed() {
        return Object.fromEntries([...brokers, ...workers].map((p) => [p.proc.name, p.proc.memory()?.heapUsed]));
      },
      async close() {
        await direct.close().catch(() => {});
        await Promise.all([...workers, ...brokers, bridge, redis].map((p) => p.proc?.kill()));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await Promise.all(started.map((p) => p.proc?.kill()));
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
