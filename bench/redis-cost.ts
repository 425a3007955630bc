/**
 * Billed Redis commands per task for each documented path of `RedisBackend` (issue 3), measured
 * through the real stack (client → local broker → signed HTTP push → worker → RedisBackend →
 * `@upstash/redis` → REST bridge → redis-server), from Redis's own `INFO commandstats` deltas and
 * from celeriac's counter (`backend.commands`), which must agree. Prints one JSON line per path.
 *
 * Paths: the default task with a result; `ignoreResult`; `acksLate`; `trackStarted` — each the
 * worker's cost of executing a task (sent, delivered, run; nothing read) — and reading a ready
 * result with `AsyncResult.get()`. The documented figures are in
 * src/backend/redis/command-counter.ts.
 *
 *   node --import tsx bench/redis-cost.ts [--n 500] [--redis redis://127.0.0.1:6379] [--db 13]
 * @module
 */
import { add } from "../functions/tasks/math.ts";
import type { AsyncResult, SendOptions } from "../src/index.ts";
import { startCeleriacStack } from "./celeriac/stack.ts";
import { addAcksLate, addTrackStarted } from "./celeriac/tasks.ts";
import { CELERIAC_CONCURRENCY, parseArgs } from "./lib/args.ts";
import { runPool, waitUntil } from "./lib/pool.ts";
import { claimDatabase, connectStats, openWindow, releaseDatabase } from "./lib/redis-stats.ts";
import { round } from "./lib/stats.ts";

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const n = argv.includes("--n") ? args.n : 500;

interface Path {
  path: string;
  task: string;
  options?: SendOptions;
  /** Billed commands per task documented in command-counter.ts. */
  documented: number;
  explain: string;
}

const PATHS: Path[] = [
  { path: "default task with result", task: add.name, documented: 6, explain: "claim (EVALSHA + MGET + SET NX GET PX) + storeMeta SUCCESS (EVALSHA + SET PX GET + PUBLISH)" },
  { path: "ignoreResult", task: add.name, options: { ignoreResult: true }, documented: 3, explain: "claim only; no result write" },
  { path: "acksLate", task: addAcksLate.name, documented: 6, explain: "claim as a lease (same script) + storeMeta + PUBLISH" },
  { path: "trackStarted", task: addTrackStarted.name, documented: 7, explain: "claim writes STARTED in the same script (+1 SET PX) + storeMeta + PUBLISH" },
];

const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);
const stack = await startCeleriacStack(args.topology, {
  redisUrl: args.redisUrl, prefix: args.prefix, resultExpiresMs: 3_600_000, brokerConcurrency: args.brokerConcurrency, parts: args.parts,
});
const print = (o: object) => console.log(JSON.stringify(o));

/** Send `count` tasks of `p` and wait until the worker answered them all; nothing is read. */
async function run(p: Path, count: number): Promise<AsyncResult[]> {
  const base = await stack.delivered();
  const sent = await runPool(count, args.concurrency ?? CELERIAC_CONCURRENCY, (i) => stack.client.send(p.task, { a: i, b: 1 }, p.options));
  await waitUntil(async () => (await stack.delivered()) >= base + count, 120_000, `${count} deliveries of ${p.task}`);
  return sent;
}

/** Billed commands of `work` by commandstats and by the counter (client + worker). */
async function measure(work: () => Promise<unknown>) {
  await stack.resetCommands();
  const window = await openWindow(stats, args.db);
  await work();
  const billed = await window.end();
  const worker = await stack.workerCommands();
  const client = stack.clientBackend.commands.snapshot();
  const byOperation: Record<string, number> = { ...worker.byOperation };
  for (const [k, v] of Object.entries(client.byOperation)) byOperation[k] = (byOperation[k] ?? 0) + v;
  return { billed, counter: worker.total + client.total, byOperation };
}

try {
  // Warm up every path (scripts cached, connections open) so nothing one-time is counted.
  for (const p of PATHS) await Promise.all((await run(p, 20)).map((r) => (p.options?.ignoreResult ? undefined : r.get())));
  let ready: AsyncResult[] = [];
  for (const p of PATHS) {
    const m = await measure(async () => {
      const sent = await run(p, n);
      if (p.path === "default task with result") ready = sent;
    });
    print({
      type: "redis-cost", path: p.path, task: p.task, tasks: n,
      billedPerTask: round(m.billed.total / n, 3), counterPerTask: round(m.counter / n, 3), agree: m.billed.total === m.counter,
      documented: p.documented, matchesDocumented: m.counter === p.documented * n,
      billedByCommand: m.billed.byCommand, counterByOperation: m.byOperation, otherClientsActive: m.billed.otherClientsActive, newConnections: m.billed.newConnections, explain: p.explain,
    });
  }
  const read = await measure(() => runPool(ready.length, args.concurrency ?? CELERIAC_CONCURRENCY, (i) => ready[i].get()));
  print({
    type: "redis-cost", path: "reading a ready result (AsyncResult.get)", tasks: n,
    billedPerTask: round(read.billed.total / n, 3), counterPerTask: round(read.counter / n, 3), agree: read.billed.total === read.counter,
    documented: 1, matchesDocumented: read.counter === n,
    billedByCommand: read.billed.byCommand, counterByOperation: read.byOperation, otherClientsActive: read.billed.otherClientsActive, newConnections: read.billed.newConnections,
    explain: "one GET per poll; a ready result is found by the first poll",
  });
} finally {
  await stack.close();
  await releaseDatabase(stats);
  await stats.close();
}
process.exit(0);
