/**
 * Which process layout of celeriac's stack is fastest here: runs celeriac alone with each
 * topology (see celeriac/stack.ts) and prints tasks/s with results and with ignoreResult
 * (median of `--reps`). `npm run bench` uses the winner (`DEFAULT_TOPOLOGY` in lib/args.ts).
 *
 *   node --import tsx bench/topologies.ts [--n 3000] [--reps 3] [--parts node|official] [--topology a,b/c+d,…]
 *
 * `--topology` here is a `/`-separated list of topologies to try.
 * @module
 */
import { startCeleriac } from "./celeriac/system.ts";
import { CELERIAC_CONCURRENCY, parseArgs } from "./lib/args.ts";
import { forEachStarted } from "./lib/redis-stats.ts";
import { spread } from "./lib/stats.ts";

const CANDIDATES = [
  "client+broker+bridge+worker",
  "client+broker,worker+bridge",
  "client+bridge,broker+worker",
  "client,broker,worker+bridge",
  "client,broker+worker+bridge",
  "client,broker,worker,bridge",
];

const argv = process.argv.slice(2);
const given = argv.includes("--topology");
const args = parseArgs(argv);
const topologies = given ? args.topology.split("/") : CANDIDATES;
const n = argv.includes("--n") ? args.n : 3000;
console.log(`celeriac topologies, ${n} tasks × ${args.reps} reps, parts: ${args.parts}`);
const start = (topology: string) =>
  startCeleriac({ topology, redisUrl: args.redisUrl, prefix: args.prefix, concurrency: args.concurrency ?? CELERIAC_CONCURRENCY, brokerConcurrency: args.brokerConcurrency, parts: args.parts });
await forEachStarted(args.redisUrl, args.db, topologies, start, async (sut, topology) => {
  await sut.throughput(Math.min(1000, n), false);
  await sut.throughput(Math.min(1000, n), true);
  const withResults: number[] = [];
  const ignored: number[] = [];
  for (let rep = 0; rep < args.reps; rep++) {
    withResults.push(n / (await sut.throughput(n, false)));
    ignored.push(n / (await sut.throughput(n, true)));
  }
  const f = (v: number[]) => {
    const s = spread(v);
    return `${s.median.toFixed(0).padStart(5)} (${s.min.toFixed(0)}–${s.max.toFixed(0)})`;
  };
  console.log(`${topology.padEnd(30)} with results ${f(withResults)} tasks/s   ignoreResult ${f(ignored)} tasks/s`);
});
process.exit(0);
