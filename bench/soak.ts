/**
 * Soak: 100,000 tasks at a steady rate over about 10 minutes through celeriac's stack, every part
 * in its own process (the fault suite's harness, test/faults/harness/stack.ts: a private
 * redis-server, `celeriac redis-bridge`, the Redis-backed local broker, a worker process as
 * `fromEnv` + `NODE_PARTS` builds it), sampling the resident memory (VmRSS from /proc) of every
 * process. A leak shows as growth after warm-up: the verdict is each Node process's RSS over the
 * last minute of sending against the minute after warm-up, under 10%.
 *
 * Two settings make that comparison measure growth (bench/README.md, "Memory over a long run",
 * has the traces behind them):
 * - Every Node part runs with V8's young generation held at one size, 16 MB semi-spaces (V8's
 *   default maximum on 64-bit Node 20, what a busy process grows it to). Left adaptive
 *   (`--adaptive-young-gen`), V8's memory reducer shrinks it to its minimum in a process that went
 *   100 s without a full collection, and survivors grow it back by doubling over minutes: the
 *   Redis bridge, which promotes little, swung between 95 and 146 MB that way with a steady live
 *   heap. Held, the young generation is at the size a busy process reaches anyway, and what can
 *   grow (the old generation, code, native memory) is what RSS shows.
 * - The warm-up is 120 s: until each process's first full collections, which free what loading
 *   and compiling the TypeScript sources (tsx) left, its RSS is its start-up heap (the broker's
 *   climbed to 207 MB by 85 s and settled at 149 MB by 100 s; the bridge's first full collection is
 *   the memory reducer's, at 105 s); the minute after warm-up then shows each process's level.
 *
 *   node --import tsx bench/soak.ts [--tasks 100000] [--minutes 10] [--warmup-sec 120] [--sample-sec 5]
 *     [--adaptive-young-gen] [--node-flags "broker=--trace-gc --heap-prof"]… [--keep-logs]
 *
 * `--node-flags <part>=<flags>` (repeatable; part: broker, bridge, worker) starts that part's Node
 * with extra flags (GC traces, heap profiles: `--heap-prof-dir` is where those land);
 * `--keep-logs` writes every part's output to bench/out/soak-<time>-<part>.log.
 *
 * Output: one JSON line per sample (`"type":"sample"`), then the summary (`"type":"soak"`: per
 * process its RSS windows, JS heap and CPU µs per task while sending, from /proc), on stdout and
 * in bench/out/soak-<time>.jsonl; progress on stderr. Results live 60 s
 * (`CELERIAC_RESULT_EXPIRES`, `--result-expires-sec`) so Redis holds a steady window of them;
 * each body appends to the worker's run log, from which completions are counted.
 * @module
 */
import { execSync } from "node:child_process";
import { appendFileSync, closeSync, mkdirSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startFaultStack } from "../test/faults/harness/stack.ts";

const { values } = parseArgs({
  options: {
    tasks: { type: "string", default: "100000" },
    minutes: { type: "string", default: "10" },
    "warmup-sec": { type: "string", default: "120" },
    "sample-sec": { type: "string", default: "5" },
    "result-expires-sec": { type: "string", default: "60" },
    "node-flags": { type: "string", multiple: true, default: [] },
    "keep-logs": { type: "boolean", default: false },
    "adaptive-young-gen": { type: "boolean", default: false },
  },
});
/** V8's young generation at one size: 16 MB semi-spaces, V8's default maximum on 64-bit Node 20 (see the header). */
const YOUNG_GENERATION = ["--min-semi-space-size=16", "--max-semi-space-size=16"];
const youngGeneration = values["adaptive-young-gen"] ? "adaptive (V8's own sizing)" : "16 MB semi-spaces";
const nodeFlags: Partial<Record<"bridge" | "broker" | "worker", string[]>> = {};
if (!values["adaptive-young-gen"]) for (const part of ["bridge", "broker", "worker"] as const) nodeFlags[part] = [...YOUNG_GENERATION];
for (const spec of values["node-flags"]) {
  const m = /^(bridge|broker|worker)=(.+)$/.exec(spec);
  if (!m) throw new Error(`--node-flags "${spec}": write <part>=<flags>, part one of bridge, broker, worker (e.g. "broker=--trace-gc")`);
  (nodeFlags[m[1] as "bridge" | "broker" | "worker"] ??= []).push(...m[2].trim().split(/\s+/));
}
const TASKS = Number(values.tasks);
const SEND_MS = Number(values.minutes) * 60_000;
const WARMUP_MS = Number(values["warmup-sec"]) * 1000;
const SAMPLE_MS = Number(values["sample-sec"]) * 1000;
const RATE = TASKS / (SEND_MS / 1000);
const WINDOW_MS = 60_000;
/** Sends in flight at most (a producer's own limit). */
const MAX_IN_FLIGHT = 256;

const outDir = new URL("./out/", import.meta.url).pathname;
mkdirSync(outDir, { recursive: true });
const runName = `soak-${new Date().toISOString().replace(/[:.]/g, "-")}`;
const outFile = join(outDir, `${runName}.jsonl`);
const emit = (record: Record<string, unknown>) => {
  const line = JSON.stringify(record);
  process.stdout.write(`${line}\n`);
  appendFileSync(outFile, `${line}\n`);
};
const progress = (text: string) => process.stderr.write(`soak: ${text}\n`);

/** Counts `B ` and `E ` lines appended to a run log since the last call. */
function runLogCounter(file: string) {
  let offset = 0;
  let carry = "";
  const counts = { started: 0, returned: 0 };
  return () => {
    const size = statSync(file).size;
    if (size > offset) {
      const fd = openSync(file, "r");
      const buf = Buffer.alloc(size - offset);
      readSync(fd, buf, 0, buf.length, offset);
      closeSync(fd);
      offset = size;
      const lines = (carry + buf.toString()).split("\n");
      carry = lines.pop()!;
      for (const l of lines) {
        if (l.startsWith("B ")) counts.started++;
        else if (l.startsWith("E ")) counts.returned++;
      }
    }
    return counts;
  };
}

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const HZ = Number(execSync("getconf CLK_TCK").toString().trim()) || 100;
/** CPU time (user + system) a process has used, ms; undefined once it has gone. */
function cpuMs(pid: number | undefined): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
  } catch {
    return undefined;
  }
}

const commit = execSync("git rev-parse --short HEAD").toString().trim();
const loadStart = loadavg();
progress(`starting the stack (commit ${commit}, young generation ${youngGeneration}, load ${loadStart.map((l) => l.toFixed(2)).join(" ")})`);
const stack = await startFaultStack({ resultExpiresSec: Number(values["result-expires-sec"]), memorySampleMs: Math.min(SAMPLE_MS, 5_000), nodeFlags });
if (values["keep-logs"]) {
  for (const part of [stack.redis, stack.bridge, ...stack.brokers, ...stack.workers]) {
    const log = join(outDir, `${runName}-${part.proc.name}.log`);
    const keep = (chunk: Buffer) => appendFileSync(log, chunk);
    part.proc.child.stdout!.on("data", keep);
    part.proc.child.stderr!.on("data", keep);
  }
}
const counter = runLogCounter(join(stack.dir, "runs-0.log"));
const parts = [stack.redis, stack.bridge, ...stack.brokers, ...stack.workers];
const cpuNow = () => Object.fromEntries([...parts.map((p) => [p.proc.name, cpuMs(p.proc.child.pid)]), ["driver", cpuMs(process.pid)]]);
const cpuAtStart = cpuNow();
const client = stack.client();

interface Sample { t: number; sent: number; returned: number; rss: Record<string, number | undefined>; heapUsed: Record<string, number | undefined> }
const samples: Sample[] = [];
let sent = 0;
let inFlight = 0;
let refused = 0;
const start = Date.now();
const sample = () => {
  const rss = { ...stack.rss(), driver: process.memoryUsage().rss };
  const heapUsed = { ...stack.heapUsed(), driver: process.memoryUsage().heapUsed };
  const s: Sample = { t: Date.now() - start, sent, returned: counter().returned, rss, heapUsed };
  samples.push(s);
  emit({ type: "sample", ...s });
};
const sampler = setInterval(sample, SAMPLE_MS);
sample();

async function sendOne(): Promise<void> {
  const id = crypto.randomUUID();
  for (;;) {
    try {
      await client.send("fault_early", { workMs: 0 }, { id });
      return;
    } catch {
      refused++;
      await new Promise((resolve) => setTimeout(resolve, 200)); // the producer's backoff before sending again
    }
  }
}

try {
  while (sent < TASKS) {
    const due = Math.min(TASKS, Math.floor(((Date.now() - start) / 1000) * RATE) + 1);
    while (sent < due && inFlight < MAX_IN_FLIGHT) {
      sent++;
      inFlight++;
      void sendOne().finally(() => inFlight--);
    }
    if (sent % 10_000 < 20 && sent > 0) progress(`${sent} sent, ${counter().returned} done, ${((Date.now() - start) / 1000).toFixed(0)} s`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // pacing
  }
  const sentAt = Date.now() - start;
  const cpuAtEnd = cpuNow();
  const deadline = Date.now() + 5 * 60_000;
  while ((inFlight > 0 || counter().returned < TASKS) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 500));
  const drainedMs = Date.now() - start - sentAt;
  clearInterval(sampler);
  sample();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const names = Object.keys(samples[0].rss);
  const during = (from: number) => samples.filter((s) => s.t >= from && s.t < from + WINDOW_MS);
  const warm = during(WARMUP_MS);
  const middle = during(sentAt / 2);
  const last = samples.filter((s) => s.t > sentAt - WINDOW_MS && s.t <= sentAt);
  const mb = (b: number | undefined) => (b === undefined ? undefined : Math.round((b / 1048576) * 10) / 10);
  const pct = (to: number | undefined, from: number | undefined) => (to === undefined || from === undefined ? undefined : Math.round(((to - from) / from) * 1000) / 10);
  const perProcess = Object.fromEntries(names.map((name) => {
    const rss = (xs: Sample[]) => median(xs.map((s) => s.rss[name]).filter((v): v is number => v !== undefined));
    const heap = (xs: Sample[]) => median(xs.map((s) => s.heapUsed[name]).filter((v): v is number => v !== undefined));
    const all = samples.map((s) => s.rss[name]).filter((v): v is number => v !== undefined);
    return [name, {
      startMB: mb(all[0]), warmMB: mb(rss(warm)), middleMB: mb(rss(middle)), endMB: mb(rss(last)), maxMB: mb(Math.max(...all)),
      growthPct: pct(rss(last), rss(warm))!, secondHalfGrowthPct: pct(rss(last), rss(middle)),
      heapWarmMB: mb(heap(warm)), heapEndMB: mb(heap(last)), heapGrowthPct: pct(heap(last), heap(warm)),
      cpuUsPerTask: cpuAtEnd[name] === undefined || cpuAtStart[name] === undefined ? undefined : Math.round(((cpuAtEnd[name]! - cpuAtStart[name]!) * 1000) / sent),
    }];
  }));
  const judged = names.filter((n) => n !== "redis-server" && n !== "driver");
  const counts = counter();
  emit({
    type: "soak", commit, tasks: TASKS, sent, bodiesStarted: counts.started, bodiesReturned: counts.returned, refusedSends: refused,
    sendSeconds: Math.round(sentAt / 100) / 10, tasksPerSec: Math.round((TASKS / sentAt) * 1000 * 10) / 10, drainSeconds: Math.round(drainedMs / 100) / 10,
    warmupSec: WARMUP_MS / 1000, windowSec: WINDOW_MS / 1000, youngGeneration, samples: samples.length, perProcess,
    judged, maxGrowthPct: Math.max(...judged.map((n) => perProcess[n].growthPct)),
    ok: counts.returned === TASKS && counts.started === TASKS && judged.every((n) => perProcess[n].growthPct < 10),
    loadavgStart: loadStart, loadavgEnd: loadavg(),
  });
} finally {
  clearInterval(sampler);
  await stack.close();
}
