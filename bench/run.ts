/**
 * `npm run bench`: celeriac, Celery and BullMQ (plain, and with the task behind an HTTP handler,
 * called with celeriac's delivery client or with Node's fetch) side by side on this machine and
 * one redis-server, in one run.
 *
 * For each system in turn (its database emptied first): start it, warm it up, then `--reps`
 * times: N tasks with results (sent, then every result read back), N tasks with ignoreResult
 * (sent, then waited for), and `--latency-n` sequential round trips. Each measurement's billed
 * Redis commands come from `INFO commandstats` deltas (rule in lib/redis-stats.ts); celeriac's
 * also from its own counter. Prints one JSON line per measurement, ratio and target, then the
 * table; the JSON lines are also written to bench/out/bench-<time>.jsonl. Progress goes to stderr.
 *
 *   npm run bench -- [--n 5000] [--reps 3] [--latency-n 500] [--warmup 3000] [--only celeriac,celery]
 *                    [--topology client,broker,worker+bridge] [--redis redis://127.0.0.1:6379] [--db 13] [--retries 2]
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { fileURLToPath } from "node:url";
import { parseArgs, SYSTEMS } from "./lib/args.ts";
import { formatReport, type Measurement, type MeasurementRecord, ratio, ROWS, rounded, targets } from "./lib/report.ts";
import { claimDatabase, connectStats, openWindow, releaseDatabase, resetDatabase, type StatsRedis, subscribedChannels } from "./lib/redis-stats.ts";
import { startSystem } from "./lib/start-system.ts";
import { latencySummary, round } from "./lib/stats.ts";
import type { System } from "./lib/system.ts";

const args = parseArgs(process.argv.slice(2));
const t0 = performance.now();
/** Unmeasured round trips before each latency measurement (see measureOnce). */
const LATENCY_SETTLE = 50;
const lines: string[] = [];
const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
const emit = (record: object) => {
  const line = JSON.stringify(record);
  lines.push(line);
  console.log(line);
};

/**
 * Run one measurement; run it again (up to `--retries` times) while its window shows other Redis
 * traffic (other clients active, connections opened, or celeriac's counter ≠ commandstats): such
 * traffic both inflates the command delta and competes for the CPU.
 */
async function measure(stats: StatsRedis, system: System, measurement: Measurement, rep: number): Promise<MeasurementRecord> {
  let record: MeasurementRecord;
  let attempts = 0;
  do {
    attempts++;
    record = await measureOnce(stats, system, measurement, rep);
    record.attempts = attempts;
    if (record.disturbed && attempts <= args.retries) log(`${system.name} rep ${rep} ${measurement}: other Redis traffic during the window, measuring again`);
  } while (record.disturbed && attempts <= args.retries);
  return record;
}

async function measureOnce(stats: StatsRedis, system: System, measurement: Measurement, rep: number): Promise<MeasurementRecord> {
  const latency = measurement.startsWith("latency");
  const tasks = latency ? args.latencyN : args.n;
  // Round trips right after a throughput burst run while the burst's aftermath (garbage, the
  // broker's and the workers' bookkeeping) is still being cleared: the first latency measurement
  // of a rep came out slower than the one after it. A few unmeasured round trips first, for every system.
  if (latency) await system.latency(LATENCY_SETTLE, measurement === "latency-polling" ? { listen: false } : {});
  await system.counter?.reset();
  const window = await openWindow(stats, args.db);
  let seconds: number;
  let lat: { p50: number; p90: number; p99: number } | undefined;
  if (latency) {
    const ms = await system.latency(tasks, measurement === "latency-polling" ? { listen: false } : {});
    seconds = ms.reduce((a, b) => a + b, 0) / 1000;
    lat = latencySummary(ms);
  } else {
    seconds = await system.throughput(tasks, measurement === "throughput-ignore-result");
  }
  await system.settle?.((pattern) => subscribedChannels(stats, pattern));
  const billed = await window.end();
  const counted = await system.counter?.read();
  return {
    type: "measurement",
    system: system.name,
    measurement,
    rep,
    tasks,
    seconds,
    ...(latency ? lat : { tasksPerSec: tasks / seconds }),
    billed: billed.total,
    billedPerTask: billed.total / tasks,
    billedByCommand: billed.byCommand,
    ...(counted
      ? { counter: counted.total, counterPerTask: counted.total / tasks, counterByOperation: counted.byOperation, countsAgree: counted.total === billed.total }
      : {}),
    otherClientsActive: billed.otherClientsActive,
    newConnections: billed.newConnections,
    attempts: 1,
    disturbed: billed.otherClientsActive > 0 || billed.newConnections > 0 || (counted !== undefined && counted.total !== billed.total),
  };
}

const order = SYSTEMS.filter((s) => args.only.includes(s));
const stats = await connectStats(args.redisUrl);
const redisVersion = /redis_version:(\S+)/.exec(await stats.info("server"))?.[1];
await claimDatabase(stats, args.db);
emit({
  type: "run",
  startedAt: new Date().toISOString(),
  node: process.version,
  redis: redisVersion,
  cpus: cpus().length,
  loadAverage: loadavg().map((x) => round(x, 2)),
  n: args.n,
  reps: args.reps,
  latencyN: args.latencyN,
  warmup: args.warmup,
  database: args.redisUrl,
  systems: order,
  billingRule: "every command in INFO commandstats (calls + rejected_calls) counts once: pipeline items, MULTI/EXEC, EVALSHA/EVAL and each redis.call inside, blocking pops, SUBSCRIBE/PUBLISH; only the measuring connection's INFO and CLIENT LIST are excluded",
});
const records: MeasurementRecord[] = [];
try {
  for (const name of order) {
    await resetDatabase(stats);
    log(`${name}: starting`);
    const system = await startSystem(name, args);
    emit({ type: "system", system: name, setup: system.setup });
    try {
      log(`${name}: warming up (${args.warmup} tasks with results, ${args.warmup} without, 500 round trips)`);
      await system.throughput(args.warmup, false);
      await system.throughput(args.warmup, true);
      await system.latency(500);
      const measurements: Measurement[] = ["throughput", "throughput-ignore-result", "latency", ...(name.startsWith("celeriac") ? ["latency-polling" as const] : [])];
      for (let rep = 1; rep <= args.reps; rep++) {
        for (const m of measurements) {
          const record = await measure(stats, system, m, rep);
          records.push(record);
          emit(rounded(record));
          log(`${name} rep ${rep} ${m}: ${record.tasksPerSec !== undefined ? `${record.tasksPerSec.toFixed(0)} tasks/s` : `p50 ${record.p50!.toFixed(2)} ms`}, ${record.billedPerTask.toFixed(2)} billed cmds/task${record.counterPerTask !== undefined ? `, counter ${record.counterPerTask.toFixed(2)}${record.countsAgree ? " (agrees)" : " (DIFFERS)"}` : ""}${record.disturbed ? ", other Redis traffic seen" : ""}${record.attempts > 1 ? ` (attempt ${record.attempts})` : ""}`);
        }
      }
    } finally {
      await system.close();
      log(`${name}: stopped`);
    }
  }
} finally {
  await releaseDatabase(stats);
  await stats.close();
}

const mine = order.filter((s) => s.startsWith("celeriac"));
for (const m of mine) {
  for (const peer of order.filter((s) => !s.startsWith("celeriac"))) {
    for (const row of ROWS) {
      const r = ratio(records, m, peer, row.key);
      if (r) emit({ type: "ratio", of: `${m} ÷ ${peer}`, row: row.label, better: row.better, median: round(r.median, 3), min: round(r.min, 3), max: round(r.max, 3), reps: r.reps });
    }
  }
  for (const t of targets(records, m)) emit(t);
}
const seconds = (performance.now() - t0) / 1000;
emit({ type: "done", seconds: round(seconds, 1) });

const dir = fileURLToPath(new URL("./out/", import.meta.url));
mkdirSync(dir, { recursive: true });
const file = `${dir}bench-${new Date().toISOString().replace(/[:.]/g, "-")}.jsonl`;
writeFileSync(file, `${lines.join("\n")}\n`);
console.log("");
console.log(`celeriac vs Celery vs BullMQ: ${args.n} tasks per throughput run, ${args.latencyN} round trips, ${args.reps} reps; node ${process.version}, redis ${redisVersion}, ${cpus().length} CPUs`);
console.log(formatReport(records, order));
console.log("");
console.log(`finished in ${seconds.toFixed(0)} s; JSON lines in ${file}`);
process.exit(0);
