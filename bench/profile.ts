/**
 * Where a task's time goes: starts each system of `--only` in turn (default: celeriac; Celery is
 * not a Node system and cannot be profiled here), profiles every Node process of it with V8's
 * sampling profiler during `--n` tasks with results, and prints each process's CPU per task by
 * stage and its top self-time functions. The `.cpuprofile` files stay in
 * `bench/out/profile/<system>/` (open them in Chrome DevTools or VS Code).
 *
 *   node --import tsx bench/profile.ts [--only celeriac,bullmq-http] [--n 5000] [--topology client+broker,worker+bridge] [--ignore-result]
 * @module
 */
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "./lib/args.ts";
import { type CpuProfile, formatSummary, summarize } from "./lib/profile-summary.ts";
import { forEachStarted } from "./lib/redis-stats.ts";
import { startSystem } from "./lib/start-system.ts";

const args = parseArgs(process.argv.slice(2));
const systems = process.argv.includes("--only") ? args.only : ["celeriac"];
const root = fileURLToPath(new URL("./out/profile", import.meta.url));
await forEachStarted(args.redisUrl, args.db, systems, (name) => startSystem(name, args), async (sut, name) => {
  if (!sut.profiles) {
    console.log(`${name}: not profiled (no Node processes to profile)`);
    return;
  }
  await sut.throughput(args.warmup, args.ignoreResult);
  const dir = `${root}/${name}`;
  rmSync(dir, { recursive: true, force: true });
  await sut.profiles.start();
  const seconds = await sut.throughput(args.n, args.ignoreResult);
  const files = await sut.profiles.stop(dir);
  console.log(`${sut.name} ${sut.setup}: ${args.n} tasks ${args.ignoreResult ? "(ignoreResult)" : "with results"} in ${seconds.toFixed(2)} s = ${Math.round(args.n / seconds)} tasks/s (profiling on)`);
  for (const f of files) console.log(formatSummary(summarize(JSON.parse(readFileSync(f, "utf8")) as CpuProfile, f), args.top, args.n));
});
process.exit(0);
