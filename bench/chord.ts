/**
 * A chord of 1,000 header tasks in celeriac and in Celery, in one run, on the same Redis
 * (Celery: Redis broker and result backend, `worker --pool prefork --concurrency 2`; celeriac:
 * the local broker and a worker process on RedisBackend through the REST bridge, the default
 * topology). Each system: square each index in the header, a callback that checks the results
 * arrived in order; timed from send to the callback's result read back. Billed Redis commands are
 * Redis's own `INFO commandstats` delta over each system's window (bench/lib/redis-stats.ts).
 *
 * Both systems are up at once and the reps alternate which goes first. Also celeriac's cost per canvas step above a plain task, measured the same way (the worker's
 * work only, nothing read): `n` plain tasks vs a chord of `n`, and `k` plain tasks vs a chain of `k`.
 *
 *   node --import tsx bench/chord.ts [--n 1000] [--reps 5] [--redis redis://127.0.0.1:6379] [--db 13]
 *
 * Prints one JSON line per measurement, then a side-by-side table.
 * @module
 */
import { cpus } from "node:os";
import { chain } from "../src/canvas/index.ts";
import { startCeleriac } from "./celeriac/system.ts";
import { benchIncrement, benchSquare } from "./celeriac/tasks.ts";
import { startCelery } from "./celery/system.ts";
import { CELERIAC_CONCURRENCY, parseArgs } from "./lib/args.ts";
import { runPool, waitUntil } from "./lib/pool.ts";
import { claimDatabase, commandStats, connectStats, openWindow, releaseDatabase, total, type Window } from "./lib/redis-stats.ts";
import { round } from "./lib/stats.ts";
import type { System } from "./lib/system.ts";

const argv = process.argv.slice(2);
const args = parseArgs(argv);
const n = argv.includes("--n") ? args.n : 1000;
const reps = argv.includes("--reps") ? args.reps : 5;
const CHAIN = 100;
const print = (o: object) => console.log(JSON.stringify(o));

const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);

/** Run `work` inside a commandstats window. */
async function billed<T>(work: () => Promise<T>): Promise<{ value: T; window: Window; seconds: number }> {
  const window = await openWindow(stats, args.db);
  const t0 = performance.now();
  const value = await work();
  const seconds = (performance.now() - t0) / 1000;
  return { value, window: await window.end(), seconds };
}

const rows: Record<string, { seconds: number[]; billed: number[] }> = {};
/**
 * Wait until Redis is quiet (at most 2 commands in 300 ms, or 15 s passed): work a system does
 * after its callback answered (Celery's acks and unsubscribes, a worker's last writes) must not
 * land in the next system's window or slow it down.
 */
async function quiet(): Promise<void> {
  const deadline = performance.now() + 15_000;
  let last = total(await commandStats(stats));
  while (performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = total(await commandStats(stats));
    if (now - last <= 2) return;
    last = now;
  }
}

async function chordRun(system: System, rep: number): Promise<void> {
  await quiet();
  const { value: seconds, window } = await billed(() => system.chord!(n));
  (rows[system.name] ??= { seconds: [], billed: [] }).seconds.push(seconds);
  rows[system.name]!.billed.push(window.total);
  print({
    type: "chord", system: system.name, header: n, rep, seconds: round(seconds, 3), billed: window.total, billedPerHeaderTask: round(window.total / n, 2),
    billedByCommand: window.byCommand, otherClientsActive: window.otherClientsActive, newConnections: window.newConnections, setup: system.setup,
  });
}

/** celeriac's cost per chord header task and per chain step above a plain task: the worker's work only (waited for by the broker's delivery count, nothing read). */
async function canvasCost(celeriac: Awaited<ReturnType<typeof startCeleriac>>): Promise<void> {
  const { stack } = celeriac;
  const delivered = async (count: number, send: () => Promise<unknown>) => {
    const base = await stack.delivered();
    await send();
    await waitUntil(async () => (await stack.delivered()) >= base + count, 300_000, `${count} deliveries`);
  };
  const plain = await billed(() => delivered(n, () => runPool(n, CELERIAC_CONCURRENCY, (i) => stack.client.send(benchSquare, i))));
  const chordOnly = await billed(() => delivered(n + 1, () => stack.client.send({ kind: "chord", header: Array.from({ length: n }, (_, i) => benchSquare.si(i)), body: { task: "bench_collect" } })));
  const plainSteps = await billed(() => delivered(CHAIN, () => runPool(CHAIN, CELERIAC_CONCURRENCY, (i) => stack.client.send(benchIncrement, i))));
  const chainOnly = await billed(() => delivered(CHAIN, () => stack.client.send(chain(benchIncrement.si(0), ...Array.from({ length: CHAIN - 1 }, () => benchIncrement.s())))));
  const perPlain = plain.window.total / n;
  const perHeader = (chordOnly.window.total - perPlain) / n; // the body is one more plain task
  print({
    type: "canvas-cost", system: "celeriac", plainTask: round(perPlain, 3),
    seconds: { plainTasks: round(plain.seconds, 3), chord: round(chordOnly.seconds, 3), plainSteps: round(plainSteps.seconds, 3), chain: round(chainOnly.seconds, 3) },
    chordHeaderTask: round(perHeader, 3), chordHeaderAbovePlain: round(perHeader - perPlain, 3),
    chainStep: round(chainOnly.window.total / CHAIN, 3), chainStepAbovePlain: round((chainOnly.window.total - plainSteps.window.total) / CHAIN, 3),
    chordByCommand: chordOnly.window.byCommand, plainByCommand: plain.window.byCommand, chainByCommand: chainOnly.window.byCommand,
  });
}

// Both systems run side by side on the same Redis database (their keys do not overlap); reps
// alternate which goes first, so a change in the machine's load falls on both.
try {
  const celeriac = await startCeleriac({
    topology: args.topology, redisUrl: args.redisUrl, prefix: args.prefix, concurrency: args.concurrency ?? CELERIAC_CONCURRENCY, brokerConcurrency: args.brokerConcurrency,
  });
  const celery = await startCelery({ redisUrl: args.redisUrl, concurrency: 2 }).catch(async (error) => {
    await celeriac.close();
    throw error;
  });
  try {
    for (const system of [celeriac, celery]) await system.chord!(n); // warm up at full size: scripts cached, connections open, code compiled
    for (let rep = 0; rep < reps; rep++) {
      for (const system of rep % 2 === 0 ? [celeriac, celery] : [celery, celeriac]) await chordRun(system, rep);
    }
    await canvasCost(celeriac);
  } finally {
    await celery.close();
    await celeriac.close();
  }
} finally {
  await releaseDatabase(stats);
  await stats.close();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const c = rows.celeriac!;
const p = rows.celery!;
const paired = c.seconds.map((sec, i) => p.seconds[i]! / sec);
print({
  type: "chord-ratio", header: n, reps, cpus: cpus().length,
  speedupPerRep: paired.map((r) => round(r, 2)), speedupMedianOfReps: round(median(paired), 2),
  celeriacSeconds: round(median(c.seconds), 3), celerySeconds: round(median(p.seconds), 3), speedup: round(median(p.seconds) / median(c.seconds), 2), speedupTarget: 5,
  celeriacBilled: median(c.billed), celeryBilled: median(p.billed), commandRatio: round(median(c.billed) / median(p.billed), 3), commandRatioTarget: 0.25,
});
console.log("");
console.log(`chord of ${n} header tasks, ${reps} rep(s), median`);
console.log(`system     seconds (send → callback)   billed Redis commands   per header task`);
for (const [name, r] of Object.entries(rows)) {
  console.log(`${name.padEnd(10)} ${String(round(median(r.seconds), 2)).padStart(10)}                  ${String(median(r.billed)).padStart(10)}            ${round(median(r.billed) / n, 2)}`);
}
process.exit(0);
