/**
 * Command-line flags shared by the benchmark scripts, with their defaults.
 * @module
 */

/**
 * How bullmq-http's worker calls the task's HTTP handler (`--bullmq-http-client`):
 * - `sockets`: the client celeriac's broker delivers with (`createNodeDeliver().raw`: pooled
 *   sockets, one write per request), so both designs run on one transport;
 * - `node-http`: `http.request` with a keep-alive `http.Agent`, what a Node application tuned for
 *   throughput would write;
 * - `request`: fetch-style `Request`/`Response` objects over keep-alive node:http;
 * - `fetch`: Node's global `fetch` (undici), what most applications write.
 */
export type HttpClient = "sockets" | "node-http" | "request" | "fetch";

/** Every {@link HttpClient}, for checking the flag. */
export const HTTP_CLIENTS: readonly HttpClient[] = ["sockets", "node-http", "request", "fetch"];

/** Parsed flags. */
export interface BenchArgs {
  /** Tasks per throughput measurement (`--n`). Default 5000. */
  n: number;
  /** Repetitions of each measurement (`--reps`). Default 3. */
  reps: number;
  /** Sequential round trips in the latency measurement (`--latency-n`). Default 500. */
  latencyN: number;
  /** Extra attempts of a measurement whose window showed other Redis traffic (`--retries`). Default 2. */
  retries: number;
  /** Tasks sent before measuring, per system (`--warmup`). Default 3000 (with 1000, Node systems were still speeding up over the reps: V8 tiers hot code up after thousands of calls). */
  warmup: number;
  /** Redis server (`--redis`). Default redis://127.0.0.1:6379. */
  redis: string;
  /** The benchmark's own database number (`--db`), emptied before and after each system. Default 13. */
  db: number;
  /** `redis` with `db` as its path. */
  redisUrl: string;
  /** celeriac key prefix. */
  prefix: string;
  /**
   * Sends (and result reads) in flight at once in the Node drivers (`--concurrency`). Default per
   * system, each its measured best here: celeriac 64, BullMQ 128 (see README).
   */
  concurrency: number | undefined;
  /** Local broker deliveries in flight at once (`--broker-concurrency`). Default 64. */
  brokerConcurrency: number;
  /** celeriac's process layout (`--topology`), see bench/celeriac/stack.ts. */
  topology: string;
  /** Systems to run (`--only celeriac,celeriac-official,celery,bullmq,bullmq-http,bullmq-http-fetch,celeriac-undici`). Default all but celeriac-undici. */
  only: string[];
  /** topologies.ts / hops.ts: celeriac's part factories (`--parts node|official|undici`, see celeriac/roles.ts). Default node. */
  parts: "node" | "official" | "undici";
  /** http-clients.ts: the clients to measure (`--clients celeriac,node-http,…`). Default all. */
  clients: string[] | undefined;
  /**
   * The client bullmq-http's worker calls its HTTP handler with (`--bullmq-http-client`), one of
   * {@link HttpClient}. Default `sockets`.
   */
  bullmqHttpClient: HttpClient;
  /** profile.ts: profile the ignoreResult path instead (`--ignore-result`). */
  ignoreResult: boolean;
  /** profile.ts: functions listed per process (`--top`). Default 25. */
  top: number;
}

/** celeriac's driver: sends and result reads in flight (measured here: 16 → 3,370/s, 32 → 4,608, 64 → 5,299, 128 → 5,331). */
export const CELERIAC_CONCURRENCY = 64;
/** BullMQ's driver: adds and waits in flight (measured best of 16–128 here). */
export const BULLMQ_CONCURRENCY = 128;

export const DEFAULT_TOPOLOGY = "client+broker,worker+bridge";
/**
 * Every system, in running order. `bullmq-http` calls its handler with `--bullmq-http-client`
 * (default: celeriac's own delivery client, the judged target); `bullmq-http-fetch` is the same
 * with Node's global `fetch`, the client an application would write, measured in the same run
 * so that both readings of the BullMQ-HTTP target come from one run. `celeriac-undici` is celeriac
 * with undici's HTTP client in place of its own (for `bench/ab.ts`; `run.ts` runs it only when
 * `--only` names it).
 */
export const SYSTEMS = ["celeriac", "celeriac-official", "celery", "bullmq", "bullmq-http", "bullmq-http-fetch", "celeriac-undici"];
/** What runs without `--only`: every system but `celeriac-undici`. */
const DEFAULT_SYSTEMS = SYSTEMS.filter((s) => s !== "celeriac-undici");

/** Parse `--flag value` pairs (and the boolean `--ignore-result`). */
export function parseArgs(argv: string[]): BenchArgs {
  const flags = new Map<string, string>();
  const bools = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`Unexpected argument "${a}": flags are --name value.`);
    const [name, inline] = a.slice(2).split("=", 2);
    if (name === "ignore-result") {
      bools.add(name);
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`--${name} needs a value.`);
    flags.set(name, value);
  }
  const known = new Set(["retries", "n", "reps", "latency-n", "warmup", "redis", "db", "concurrency", "broker-concurrency", "topology", "only", "top", "parts", "bullmq-http-client", "clients"]);
  for (const k of flags.keys()) if (!known.has(k)) throw new Error(`Unknown flag --${k}. Known: ${[...known].map((x) => `--${x}`).join(", ")}, --ignore-result.`);
  const num = (name: string, dflt: number) => {
    const v = flags.get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer (got "${v}").`);
    return n;
  };
  const redis = (flags.get("redis") ?? "redis://127.0.0.1:6379").replace(/\/+$/, "");
  const db = num("db", 13);
  const only = (flags.get("only") ?? DEFAULT_SYSTEMS.join(",")).split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of only) if (!SYSTEMS.includes(s)) throw new Error(`--only: unknown system "${s}" (use ${SYSTEMS.join(", ")}).`);
  const bullmqHttpClient = flags.get("bullmq-http-client") ?? "sockets";
  if (!(HTTP_CLIENTS as readonly string[]).includes(bullmqHttpClient)) throw new Error(`--bullmq-http-client must be one of ${HTTP_CLIENTS.join(", ")} (got "${bullmqHttpClient}").`);
  const parts = flags.get("parts") ?? "node";
  if (parts !== "node" && parts !== "official" && parts !== "undici") throw new Error(`--parts must be node, official or undici (got "${parts}").`);
  return {
    n: num("n", 5000),
    reps: Math.max(1, num("reps", 3)),
    latencyN: num("latency-n", 500),
    retries: num("retries", 2),
    warmup: num("warmup", 3000),
    redis,
    db,
    redisUrl: `${redis}/${db}`,
    prefix: "celeriac-bench",
    concurrency: flags.has("concurrency") ? Math.max(1, num("concurrency", 1)) : undefined,
    brokerConcurrency: Math.max(1, num("broker-concurrency", 64)),
    topology: flags.get("topology") ?? DEFAULT_TOPOLOGY,
    only,
    parts,
    clients: flags.get("clients")?.split(",").map((s) => s.trim()).filter(Boolean),
    bullmqHttpClient: bullmqHttpClient as HttpClient,
    ignoreResult: bools.has("ignore-result"),
    top: num("top", 25),
  };
}
