/**
 * Throughput of two checkouts of celeriac compared in one run: `bench/run.ts --only celeriac`
 * (end-to-end throughput with results and with `ignoreResult`) run in each checkout in turn, the
 * order reversed every round (A B, B A, A B …), each run a fresh set of processes. Prints each
 * round's figures and B's ratio to A, then the median and range of the ratios: runs seconds apart
 * see the same machine, so on a busy machine the per-round ratio is what to read. This is how a
 * refactor is held to "within 10% of the commit before it".
 *
 *   git worktree add ../old <commit> && (cd ../old && npm ci)
 *   node --import tsx bench/commits.ts --a ../old --b . [--rounds 6] [--n 10000] [--redis redis://127.0.0.1:6399]
 *
 * Each checkout must have its dependencies installed and its own `bench/run.ts`. Output: one JSON
 * line per round (`"type":"round"`) and the summary (`"type":"commits"`).
 * @module
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    a: { type: "string" },
    b: { type: "string", default: "." },
    rounds: { type: "string", default: "6" },
    n: { type: "string", default: "10000" },
    redis: { type: "string", default: "redis://127.0.0.1:6399" },
    db: { type: "string", default: "13" },
  },
});
if (!values.a) {
  console.error("commits.ts: say which checkout to compare with: --a <dir> (and --b <dir>, default .); see the header for how to make one.");
  process.exit(2);
}
const dirs = { a: resolve(values.a), b: resolve(values.b) };
const rounds = Number(values.rounds);

interface Figures {
  withResults: number;
  ignoreResult: number;
}

/** One `bench/run.ts` in `dir`: tasks/s with results and with ignoreResult. */
function runIn(dir: string): Figures {
  const out = execFileSync(
    process.execPath,
    ["--import", "tsx", "bench/run.ts", "--only", "celeriac", "--n", values.n, "--reps", "1", "--latency-n", "20", "--redis", values.redis, "--db", values.db],
    { cwd: dir, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 },
  );
  const file = /JSON lines in (\S+\.jsonl)/.exec(out)?.[1];
  if (!file) throw new Error(`bench/run.ts in ${dir} printed no JSON lines path:\n${out.slice(-2000)}`);
  const lines = readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { type: string; measurement?: string; tasksPerSec?: number });
  const tps = (m: string) => lines.find((l) => l.type === "measurement" && l.measurement === m)?.tasksPerSec ?? NaN;
  return { withResults: tps("throughput"), ignoreResult: tps("throughput-ignore-result") };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const round3 = (x: number) => Math.round(x * 1000) / 1000;

const results: { a: Figures; b: Figures }[] = [];
console.log(JSON.stringify({ type: "run", a: dirs.a, b: dirs.b, rounds, n: Number(values.n), node: process.version, loadAverage: loadavg() }));
for (let r = 1; r <= rounds; r++) {
  const order = r % 2 ? (["a", "b"] as const) : (["b", "a"] as const);
  const got = {} as { a: Figures; b: Figures };
  for (const side of order) got[side] = runIn(dirs[side]);
  results.push(got);
  console.log(JSON.stringify({
    type: "round", round: r, order: order.join(""), a: got.a, b: got.b,
    ratio: { withResults: round3(got.b.withResults / got.a.withResults), ignoreResult: round3(got.b.ignoreResult / got.a.ignoreResult) },
    loadAverage: loadavg()[0],
  }));
}
const summary = (key: keyof Figures) => {
  const ratios = results.map((x) => x.b[key] / x.a[key]);
  return {
    a: Math.round(median(results.map((x) => x.a[key]))),
    b: Math.round(median(results.map((x) => x.b[key]))),
    ratioMedian: round3(median(ratios)),
    ratioRange: [round3(Math.min(...ratios)), round3(Math.max(...ratios))],
  };
};
console.log(JSON.stringify({ type: "commits", withResults: summary("withResults"), ignoreResult: summary("ignoreResult") }));
