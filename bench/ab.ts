/**
 * A/B of systems side by side in one run, for comparisons that differ in one part (e.g.
 * `celeriac-undici` against `celeriac`: undici's HTTP client in place of celeriac's own). Every
 * system of `--only` is started and warmed up first; then each rep measures them one after the
 * other, the order reversed every rep (A B, B A, A B …), so each pair ran within seconds of each
 * other on the same machine and a drift in the machine's load touches both. Per measurement:
 * tasks/s, and CPU µs per task of the system's processes (this process, which hosts the client and
 * the broker of every system, and the system's own child processes: worker and bridge), read from
 * /proc as bench/cpu.ts does. Then per system the median and range, and for each system after the
 * first its ratio to the first, rep by rep, with the median and range: on a busy machine the
 * per-rep ratio is what to read.
 *
 *   node --import tsx bench/ab.ts --only celeriac,celeriac-undici [--n 3000] [--reps 10] [--warmup 3000] [--ignore-result] [--db 13]
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "./lib/args.ts";
import { claimDatabase, connectStats, releaseDatabase, resetDatabase } from "./lib/redis-stats.ts";
import { startSystem } from "./lib/start-system.ts";
import type { System } from "./lib/system.ts";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime. */
const HZ = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** A process's CPU time so far (user + system), ms; 0 once it has gone. */
function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ;
  } catch {
    return 0;
  }
}

/** A process tsx starts for itself (esbuild's service), not part of any system. */
function isTooling(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("esbuild");
  } catch {
    return true;
  }
}

/** Every process below `pid`, depth first. */
function descendants(pid: number): number[] {
  let children: number[];
  try {
    children = execFileSync("pgrep", ["-P", String(pid)]).toString().trim().split("\n").map(Number);
  } catch {
    return [];
  }
  return children.flatMap((child) => [child, ...descendants(child)]);
}

const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const range = (a: number[], digits: number) => `${median(a).toFixed(digits)} (${Math.min(...a).toFixed(digits)}–${Math.max(...a).toFixed(digits)})`;
const log = (m: string) => process.stderr.write(`[ab] ${m}\n`);

const args = parseArgs(process.argv.slice(2));
if (args.only.length < 2 || !process.argv.includes("--only")) throw new Error("bench/ab.ts compares systems: name two or more with --only, e.g. --only celeriac,celeriac-undici.");
const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);
await resetDatabase(stats);
const started: { name: string; system: System; pids: number[] }[] = [];
try {
  console.log(JSON.stringify({ type: "run", startedAt: new Date().toISOString(), node: process.version, loadAverage: loadavg().map((x) => Math.round(x * 100) / 100), systems: args.only, n: args.n, reps: args.reps, warmup: args.warmup, ignoreResult: args.ignoreResult }));
  for (const name of args.only) {
    const before = new Set(descendants(process.pid));
    const system = await startSystem(name, args);
    const pids = [process.pid, ...descendants(process.pid).filter((p) => !before.has(p) && !isTooling(p))];
    started.push({ name, system, pids });
    console.log(JSON.stringify({ type: "system", system: name, setup: system.setup }));
    log(`${name}: started (${pids.length - 1} child process${pids.length === 2 ? "" : "es"}), warming up (${args.warmup} tasks with results, ${args.warmup} without)`);
    await system.throughput(args.warmup, false);
    await system.throughput(args.warmup, true);
  }
  const results = new Map(args.only.map((name) => [name, { tps: [] as number[], cpu: [] as number[] }]));
  for (let rep = 1; rep <= args.reps; rep++) {
    const order = rep % 2 ? started : [...started].reverse();
    for (const { name, system, pids } of order) {
      const before = pids.map(cpuMs);
      const seconds = await system.throughput(args.n, args.ignoreResult);
      const cpu = pids.map(cpuMs).reduce((sum, ms, i) => sum + ms - before[i], 0);
      const tps = args.n / seconds;
      const us = (cpu * 1000) / args.n;
      results.get(name)!.tps.push(tps);
      results.get(name)!.cpu.push(us);
      console.log(JSON.stringify({ type: "ab", rep, system: name, ignoreResult: args.ignoreResult, tasks: args.n, tasksPerSec: Math.round(tps), cpuUsPerTask: Math.round(us) }));
      log(`rep ${rep} ${name}: ${tps.toFixed(0)} tasks/s, ${us.toFixed(0)} µs CPU per task`);
    }
  }
  const [a, ...others] = args.only;
  console.log(`\n${args.reps} reps of ${args.n} tasks${args.ignoreResult ? " (ignoreResult)" : " with results"} each, load average ${loadavg().map((x) => x.toFixed(1)).join(" ")} at the end`);
  for (const name of args.only) {
    const r = results.get(name)!;
    console.log(`${name.padEnd(18)} tasks/s median ${range(r.tps, 0)}; CPU µs/task median ${range(r.cpu, 0)}`);
  }
  for (const b of others) {
    const tps = results.get(b)!.tps.map((x, i) => x / results.get(a)!.tps[i]);
    const cpu = results.get(b)!.cpu.map((x, i) => x / results.get(a)!.cpu[i]);
    console.log(`${b} ÷ ${a}, rep by rep: tasks/s ${tps.map((x) => x.toFixed(2)).join(" ")} → median ${range(tps, 2)}`);
    console.log(`${" ".repeat(b.length + a.length + 3)}              CPU/task ${cpu.map((x) => x.toFixed(2)).join(" ")} → median ${range(cpu, 2)}`);
    const slower = tps.filter((x) => x < 0.9).length;
    console.log(`${b} did under 0.9× the tasks/s of ${a} in ${slower} of ${tps.length} reps.`);
  }
} finally {
  for (const s of started) await s.system.close();
  await releaseDatabase(stats);
  await stats.close();
}
process.exit(0);
