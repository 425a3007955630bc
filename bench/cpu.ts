/**
 * CPU and system calls per task, per process, read from Linux's `/proc` (no profiler running, so
 * nothing is inflated): runs celeriac's stack (one topology), sends `--n` tasks (with results, or
 * `--ignore-result`), and prints for each of its processes and for redis-server the CPU µs
 * (user + system) and the read/write system calls per task. `--reps` windows, each printed.
 *
 *   node --import tsx bench/cpu.ts [--n 5000] [--reps 3] [--topology client+broker,worker+bridge] [--ignore-result]
 * @module
 */
import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { startCeleriac } from "./celeriac/system.ts";
import { CELERIAC_CONCURRENCY, parseArgs } from "./lib/args.ts";
import { claimDatabase, connectStats, releaseDatabase } from "./lib/redis-stats.ts";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const HZ = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

interface Sample {
  cpuMs: number;
  reads: number;
  writes: number;
}

function sample(pid: number): Sample {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const io = readFileSync(`/proc/${pid}/io`, "utf8");
  const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(io)?.[1] ?? NaN);
  // Fields after the command: state is [0], utime [11], stime [12].
  return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ, reads: count("syscr"), writes: count("syscw") };
}

function pidsOf(...pgrep: string[]): number[] {
  try {
    return execFileSync("pgrep", pgrep).toString().trim().split("\n").map(Number).filter((p) => p !== process.pid);
  } catch {
    return [];
  }
}

const args = parseArgs(process.argv.slice(2));
const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);
const sut = await startCeleriac({ topology: args.topology, redisUrl: args.redisUrl, prefix: args.prefix, concurrency: args.concurrency ?? CELERIAC_CONCURRENCY, brokerConcurrency: args.brokerConcurrency, parts: args.parts });
try {
  const processes = [
    { name: "client+… (bench process)", pid: process.pid },
    ...pidsOf("-P", String(process.pid), "-f", "role-child").map((pid) => ({ name: (JSON.parse(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")[4] || "{}") as { roles?: string[] }).roles?.join("+") ?? `child ${pid}`, pid })),
    ...pidsOf("-x", "redis-server").map((pid) => ({ name: "redis-server", pid })),
  ];
  await sut.throughput(args.warmup, args.ignoreResult);
  for (let rep = 1; rep <= args.reps; rep++) {
    const before = processes.map((p) => sample(p.pid));
    const seconds = await sut.throughput(args.n, args.ignoreResult);
    const after = processes.map((p) => sample(p.pid));
    const rows = processes.map((p, i) => ({
      process: p.name,
      cpuUsPerTask: Math.round(((after[i].cpuMs - before[i].cpuMs) * 1000) / args.n),
      busy: Math.round(((after[i].cpuMs - before[i].cpuMs) / (seconds * 1000)) * 100) / 100,
      readsPerTask: Math.round(((after[i].reads - before[i].reads) / args.n) * 100) / 100,
      writesPerTask: Math.round(((after[i].writes - before[i].writes) / args.n) * 100) / 100,
    }));
    const total = rows.reduce((s, r) => s + r.cpuUsPerTask, 0);
    console.log(JSON.stringify({ type: "cpu", rep, tasks: args.n, ignoreResult: args.ignoreResult, tasksPerSec: Math.round(args.n / seconds), cpuUsPerTask: total, processes: rows }));
    console.error(`rep ${rep}: ${Math.round(args.n / seconds)} tasks/s, ${total} µs CPU per task: ${rows.map((r) => `${r.process} ${r.cpuUsPerTask} µs (${r.readsPerTask} reads, ${r.writesPerTask} writes)`).join("; ")}`);
  }
} finally {
  await sut.close();
  await releaseDatabase(stats);
  await stats.close();
}
