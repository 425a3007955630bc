/**
 * CPU and system calls per task, per process, read from Linux's `/proc` (no profiler running, so
 * nothing is inflated): starts each system of `--only` in turn (default: celeriac), sends `--n`
 * tasks (with results, or `--ignore-result`), and prints for every process of the system (this
 * one, its child processes and theirs) and for redis-server the CPU µs (user + system), the share
 * of one CPU it kept busy, and the read/write system calls per task (`syscr`/`syscw`: the read()
 * and write() families, which Node and Redis use on sockets; Python's send()/recv() are not
 * counted, so Celery's processes show few). `--reps` windows, each printed.
 * Systems measured one after the other in one run can be compared: that is how the benchmark's
 * report says what bounds a ratio.
 *
 *   node --import tsx bench/cpu.ts [--only celeriac,bullmq-http] [--n 5000] [--reps 3] [--topology client+broker,worker+bridge] [--ignore-result]
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parseArgs } from "./lib/args.ts";
import { forEachStarted } from "./lib/redis-stats.ts";
import { startSystem } from "./lib/start-system.ts";

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const HZ = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

interface Sample {
  cpuMs: number;
  reads: number;
  writes: number;
}

/** A process's CPU time and syscall counts so far; zeros once it has gone. */
function sample(pid: number): Sample {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const io = readFileSync(`/proc/${pid}/io`, "utf8");
    const count = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, "m").exec(io)?.[1] ?? NaN);
    // Fields after the command: state is [0], utime [11], stime [12].
    return { cpuMs: ((Number(fields[11]) + Number(fields[12])) * 1000) / HZ, reads: count("syscr"), writes: count("syscw") };
  } catch {
    return { cpuMs: 0, reads: 0, writes: 0 };
  }
}

function pgrep(...args: string[]): number[] {
  try {
    return execFileSync("pgrep", args).toString().trim().split("\n").map(Number);
  } catch {
    return [];
  }
}

/** Every process below `pid`, depth first. */
function descendants(pid: number): number[] {
  return pgrep("-P", String(pid)).flatMap((child) => [child, ...descendants(child)]);
}

/** A short name for a process: celeriac's role children by their roles, others by the script or module they run. */
function nameOf(pid: number): string {
  const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
  const script = argv.find((a) => /\.(ts|py)$/.test(a));
  if (script?.endsWith("role-child.ts")) {
    const roles = (JSON.parse(argv[argv.indexOf(script) + 1] ?? "{}") as { roles?: string[] }).roles;
    return roles?.join("+") ?? `role child ${pid}`;
  }
  if (script) return basename(script);
  const module = argv.indexOf("-m");
  return module >= 0 ? `${argv.slice(module + 1, module + 4).join(" ")} (pid ${pid})` : basename(argv[0] ?? `pid ${pid}`);
}

const args = parseArgs(process.argv.slice(2));
const systems = process.argv.includes("--only") ? args.only : ["celeriac"];
await forEachStarted(args.redisUrl, args.db, systems, (name) => startSystem(name, args), async (sut, name) => {
  await sut.throughput(args.warmup, args.ignoreResult);
  // After the warm-up every process of the system is running (Celery's pool forks at start).
  const processes = [
    { name: "bench process", pid: process.pid },
    ...descendants(process.pid).map((pid) => ({ name: nameOf(pid), pid })),
    ...pgrep("-x", "redis-server").map((pid) => ({ name: "redis-server", pid })),
  ];
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
    })).filter((r) => r.cpuUsPerTask > 0 || r.process === "bench process");
    const total = rows.reduce((s, r) => s + r.cpuUsPerTask, 0);
    const busy = Math.round(rows.reduce((s, r) => s + r.busy, 0) * 100) / 100;
    console.log(JSON.stringify({ type: "cpu", system: name, rep, tasks: args.n, ignoreResult: args.ignoreResult, tasksPerSec: Math.round(args.n / seconds), cpuUsPerTask: total, cpusBusy: busy, processes: rows }));
    console.error(`${name} rep ${rep}: ${Math.round(args.n / seconds)} tasks/s, ${total} µs CPU per task, ${busy} CPUs busy: ${rows.map((r) => `${r.process} ${r.cpuUsPerTask} µs, ${r.busy} busy (${r.readsPerTask} reads, ${r.writesPerTask} writes)`).join("; ")}`);
  }
});
process.exit(0);
