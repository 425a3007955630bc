/**
 * Where a task's time goes: runs celeriac's stack (one topology), profiles every process of it
 * with V8's sampling profiler during `--n` tasks with results, and prints each process's CPU per
 * task by stage and its top self-time functions. The `.cpuprofile` files stay in
 * `bench/out/profile/` (open them in Chrome DevTools or VS Code).
 *
 *   node --import tsx bench/profile.ts [--n 5000] [--topology client+broker,worker+bridge] [--parts node|official] [--ignore-result]
 * @module
 */
import { readFileSync, rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startCeleriac } from "./celeriac/system.ts";
import { CELERIAC_CONCURRENCY, parseArgs } from "./lib/args.ts";
import { type CpuProfile, formatSummary, summarize } from "./lib/profile-summary.ts";
import { connectStats, claimDatabase, releaseDatabase } from "./lib/redis-stats.ts";

const args = parseArgs(process.argv.slice(2));
const dir = fileURLToPath(new URL("./out/profile", import.meta.url));
const stats = await connectStats(args.redisUrl);
await claimDatabase(stats, args.db);
const sut = await startCeleriac({ topology: args.topology, redisUrl: args.redisUrl, prefix: args.prefix, concurrency: args.concurrency ?? CELERIAC_CONCURRENCY, brokerConcurrency: args.brokerConcurrency, parts: args.parts });
try {
  await sut.throughput(args.warmup, args.ignoreResult);
  rmSync(dir, { recursive: true, force: true });
  await sut.stack.startProfiles();
  const seconds = await sut.throughput(args.n, args.ignoreResult);
  const files = await sut.stack.stopProfiles(dir);
  console.log(`${sut.name} ${sut.setup}: ${args.n} tasks ${args.ignoreResult ? "(ignoreResult)" : "with results"} in ${seconds.toFixed(2)} s = ${Math.round(args.n / seconds)} tasks/s (profiling on)`);
  for (const f of files) console.log(formatSummary(summarize(JSON.parse(readFileSync(f, "utf8")) as CpuProfile, f), args.top, args.n));
} finally {
  await sut.close();
  await releaseDatabase(stats);
  await stats.close();
}
