/**
 * Redis's own view of what the benchmark cost: `INFO commandstats` snapshots and deltas, the
 * billing rule, a check for other clients' traffic during a window, and ownership of the
 * benchmark's dedicated database (emptied before and after each system).
 *
 * Billing rule (the same for every system): every command Redis executed in the window counts
 * once (`calls + rejected_calls` from `INFO commandstats`). That includes each command inside a
 * pipeline, MULTI and EXEC themselves, blocking pops that time out, SUBSCRIBE/PUBLISH, and for
 * scripts both the EVAL/EVALSHA and every `redis.call` inside it (Redis counts inner calls under
 * their own names). Only the measuring connection's own `INFO`, `CLIENT LIST` and `PUBSUB CHANNELS` are excluded.
 * @module
 */
import { createClient } from "redis";

const createStatsClient = (url: string) => createClient({ url, RESP: 2, socket: { connectTimeout: 3000, reconnectStrategy: false } });
export type StatsRedis = ReturnType<typeof createStatsClient>;

/** Commands executed, by lower-case name (`evalsha`, `set`, `client|list`, …). */
export type CommandCounts = Record<string, number>;

/** Commands the measuring connection itself issues; never billed to a system. */
const OWN_COMMANDS = new Set(["info", "client|list", "pubsub|channels"]);

/** The key marking a database as the benchmark's own. */
export const OWNER_KEY = "celeriac-bench:owner";

/** Connect the measuring client to `url` (which names the benchmark's database). */
export async function connectStats(url: string): Promise<StatsRedis> {
  const client = createStatsClient(url);
  client.on("error", () => {});
  try {
    await client.connect();
  } catch (err) {
    throw new Error(
      `No Redis answers at ${url} (${err instanceof Error ? err.message : String(err)}). The benchmark needs a redis-server: ` +
        "start one on 127.0.0.1:6379 (bash .ci/install-redis-server.sh --serve 6379 installs and starts it) or pass --redis redis://host:port.",
      { cause: err },
    );
  }
  return client;
}

/** Parse `INFO commandstats` text. */
export function parseCommandStats(info: string): CommandCounts {
  const counts: CommandCounts = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)(?:.*?rejected_calls=(\d+))?/gm)) {
    counts[m[1]] = Number(m[2]) + Number(m[3] ?? 0);
  }
  return counts;
}

/** A snapshot of every command's count. */
export async function commandStats(redis: StatsRedis): Promise<CommandCounts> {
  return parseCommandStats(await redis.info("commandstats"));
}

/** Billed commands between two snapshots, by command, under the billing rule above. */
export function billedDelta(before: CommandCounts, after: CommandCounts): CommandCounts {
  const d: CommandCounts = {};
  for (const [cmd, n] of Object.entries(after)) {
    if (OWN_COMMANDS.has(cmd)) continue;
    const diff = n - (before[cmd] ?? 0);
    if (diff > 0) d[cmd] = diff;
  }
  return d;
}

/** Sum of a delta. */
export function total(counts: CommandCounts): number {
  let n = 0;
  for (const v of Object.values(counts)) n += v;
  return n;
}

/** `total_connections_received` from `INFO stats`. */
async function connectionsReceived(redis: StatsRedis): Promise<number> {
  return Number(/total_connections_received:(\d+)/.exec(await redis.info("stats"))?.[1] ?? 0);
}

/** A measurement window: snapshot now, `end()` answers the billed delta and whether other clients were busy. */
export async function openWindow(redis: StatsRedis, benchDb: number): Promise<{ end(): Promise<Window> }> {
  const connections = await connectionsReceived(redis);
  const before = await commandStats(redis);
  const t0 = performance.now();
  return {
    async end() {
      const after = await commandStats(redis);
      const seconds = (performance.now() - t0) / 1000;
      const newConnections = (await connectionsReceived(redis)) - connections;
      const byCommand = billedDelta(before, after);
      return { byCommand, total: total(byCommand), otherClientsActive: await otherClientsActive(redis, benchDb, seconds), newConnections };
    },
  };
}

/** What one window cost. */
export interface Window {
  byCommand: CommandCounts;
  total: number;
  /**
   * Clients on other databases that ran a command during the window (their `idle` is shorter
   * than the window). Non-zero means the commandstats delta may include someone else's traffic.
   */
  otherClientsActive: number;
  /**
   * Connections Redis accepted during the window. The systems under test hold theirs open, so a
   * non-zero count means a client connected meanwhile, possibly someone else's short-lived one.
   */
  newConnections: number;
}

/** Count clients outside `benchDb` whose last command is more recent than `seconds` ago. */
async function otherClientsActive(redis: StatsRedis, benchDb: number, seconds: number): Promise<number> {
  const list = String(await redis.sendCommand(["CLIENT", "LIST"]));
  let n = 0;
  for (const line of list.split("\n")) {
    const db = /\bdb=(\d+)/.exec(line);
    const idle = /\bidle=(\d+)/.exec(line);
    const cmd = /\bcmd=(\S+)/.exec(line);
    if (!db || !idle || !cmd) continue;
    if (Number(db[1]) === benchDb || cmd[1] === "client|list") continue;
    if (Number(idle[1]) < Math.ceil(seconds)) n++;
  }
  return n;
}

/**
 * Make sure the database in `redis` is the benchmark's to empty: it must be empty or carry the
 * owner key (left by an earlier run). Then empty it and mark it.
 */
export async function claimDatabase(redis: StatsRedis, db: number): Promise<void> {
  const size = await redis.dbSize();
  if (size > 0 && !(await redis.exists(OWNER_KEY))) {
    throw new Error(
      `Redis database ${db} holds ${size} keys that the benchmark did not write. The benchmark empties its database ` +
        `before and after each system: pick an unused one with --db <n> (or empty ${db} yourself).`,
    );
  }
  await resetDatabase(redis);
}

/** Empty the benchmark's database (FLUSHDB) and mark it as the benchmark's. */
export async function resetDatabase(redis: StatsRedis): Promise<void> {
  await redis.flushDb();
  await redis.set(OWNER_KEY, "celeriac npm run bench", { EX: 86_400 });
}

/** Empty the benchmark's database and drop the mark (end of run). */
export async function releaseDatabase(redis: StatsRedis): Promise<void> {
  await redis.flushDb();
}

/** How many channels matching `pattern` have subscribers (`PUBSUB CHANNELS`, excluded from the billed counts). */
export async function subscribedChannels(redis: StatsRedis, pattern: string): Promise<number> {
  return ((await redis.sendCommand(["PUBSUB", "CHANNELS", pattern])) as unknown[]).length;
}

/**
 * Claim the benchmark's database on `url`, then for each of `names` in turn: empty it, start the
 * system, run `body` on it and close it. The database is released at the end, also after an error.
 * For the scripts that measure systems one after the other (cpu, profile, topologies).
 */
export async function forEachStarted<S extends { close(): Promise<void> }>(
  url: string,
  db: number,
  names: readonly string[],
  start: (name: string) => Promise<S>,
  body: (system: S, name: string) => Promise<void>,
): Promise<void> {
  const stats = await connectStats(url);
  await claimDatabase(stats, db);
  try {
    for (const name of names) {
      await resetDatabase(stats);
      const system = await start(name);
      try {
        await body(system, name);
      } finally {
        await system.close();
      }
    }
  } finally {
    await releaseDatabase(stats);
    await stats.close();
  }
}
