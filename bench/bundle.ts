/**
 * Bundle budget: builds Workers bundles with esbuild and prints one JSON line per measurement.
 *
 * Every bundle is built the same way: bundle, ESM, minified, `platform: "neutral"`, conditions
 * `workerd, worker, browser`, main fields `browser, module, main`, Node built-ins left external
 * (and listed: a bundle that imports one needs `nodejs_compat` on Workers). Sizes are the output
 * bytes and their gzip (zlib level 9).
 *
 * - `celeriac runtime + one schedule`: `createCloudflareWorker({ tasks: [], schedules: [schedule(…)] })`
 *   — the Workers adapter in its default slim profile: env config, worker app, execution, the
 *   schedule definitions and the cron clock, RedisBackend over the fetch-only REST client, the
 *   fetch QStash broker and the Web Crypto JWT verifier, hono, with their dependencies, and no
 *   user code. This is the figure held to the budget (45 KB gzip).
 * - `celeriac runtime`: the same without the schedule (`createCloudflareWorker({ tasks: [] })`),
 *   which leaves the schedule definitions and the cron clock out (`schedule/collect.ts`); printed,
 *   and the base of the comparisons below.
 * - `celeriac runtime (official clients)`: the same with `envParts: OFFICIAL_PARTS`
 *   (@upstash/redis, @upstash/qstash with jose) and without the unused slim clients, printed for
 *   comparison, not budgeted.
 * - `celeriac runtime + dashboard`: the same with `dashboard: dashboard()` (celeriac/dashboard);
 *   `dashboardGzip` is what opting in adds. Not budgeted.
 * - `celeriac example worker`: `functions/worker.ts` (the example tasks) in full; its metafile
 *   splits the output bytes into the runtime's inputs vs the rest (functions/ and what only they
 *   pull in, e.g. zod's classic API and locales).
 * - `@upstash/workflow` and `inngest`: each one's Hono `serve` on a Hono app with no user
 *   functions (one empty workflow for Upstash, whose `serve` takes the route function), installed
 *   in bench/peers (own lock file; `npm ci --prefix bench/peers` runs here when it is absent).
 * - `hono`: an empty `new Hono()` app, as the floor every one of them sits on.
 * - `celeriac runtime breakdown`: output bytes per package, and the gzip bytes the bundle would
 *   lose without each (measured by rebuilding with that package external); the slim clients'
 *   own output bytes.
 * - `celeriac runtime breakdown` is of the runtime without a schedule.
 *
 * Run: `npm run bench:bundle` (or `npx tsx bench/bundle.ts`). Exits 1 when over budget.
 * @module
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PEERS = join(ROOT, "bench", "peers");
const OUT = join(ROOT, "bench", "out");
const BUDGET_GZIP = 45 * 1024;
const NODE_BUILTINS = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), "node:*"];

interface Target {
  name: string;
  what: string;
  /** Entry source, resolved from `resolveDir`. */
  source: string;
  resolveDir: string;
}

interface Built {
  raw: number;
  gzip: number;
  metafile: Metafile;
  nodeBuiltins: string[];
}

async function bundle(t: Pick<Target, "source" | "resolveDir" | "name">, external: string[] = [], alias: Record<string, string> = {}): Promise<Built> {
  const result = await build({
    stdin: { contents: t.source, resolveDir: t.resolveDir, loader: "ts", sourcefile: `${t.name}.entry.ts` },
    bundle: true,
    write: false,
    format: "esm",
    platform: "neutral",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["browser", "module", "main"],
    minify: true,
    metafile: true,
    external: [...NODE_BUILTINS, ...external],
    alias,
    outfile: join(OUT, `${t.name.replace(/\W+/g, "-")}.js`),
    logLevel: "error",
  });
  const bytes = result.outputFiles[0].contents;
  const output = Object.values(result.metafile.outputs)[0];
  const nodeBuiltins = [...new Set((output.imports ?? []).filter((i) => i.external && NODE_BUILTINS.includes(i.path)).map((i) => i.path))].sort();
  return { raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length, metafile: result.metafile, nodeBuiltins };
}

/** `node_modules/<pkg>` for inputs from a package, else the path relative to the repo. */
function owner(input: string): string {
  const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (m) return m[1];
  const rel = relative(ROOT, join(ROOT, input));
  return rel.startsWith("src/") ? "celeriac src/" : rel.startsWith("functions/") ? "functions/" : rel;
}

function bytesByInput(metafile: Metafile): Map<string, number> {
  const inputs = Object.values(metafile.outputs)[0].inputs;
  return new Map(Object.entries(inputs).map(([path, i]) => [path, i.bytesInOutput]));
}

function line(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record));
}

const kb = (n: number) => Math.round((n / 1024) * 10) / 10;

function ensurePeers(): void {
  const need = ["@upstash/workflow", "inngest", "hono"].filter((p) => !existsSync(join(PEERS, "node_modules", p, "package.json")));
  if (!need.length) return;
  console.error(`bench/bundle: installing the peers (${need.join(", ")} missing): npm ci --prefix bench/peers`);
  execFileSync("npm", ["ci", "--prefix", PEERS, "--no-audit", "--no-fund", "--ignore-scripts"], { stdio: ["ignore", "inherit", "inherit"] });
}

async function main(): Promise<number> {
  mkdirSync(OUT, { recursive: true });
  ensurePeers();
  const runtime: Target = {
    name: "celeriac runtime",
    what: "createCloudflareWorker({ tasks: [] }), the Workers default (slim) profile: adapter + env config + worker app + execution + RedisBackend over the fetch-only REST client + QStashFetchBroker + Web Crypto JWT verifier + hono; no user code, no schedule (so no cron clock)",
    source: `import { createCloudflareWorker } from "./src/adapters/cloudflare.ts";\nexport default createCloudflareWorker({ tasks: [] });\n`,
    resolveDir: ROOT,
  };
  const official: Target = {
    name: "celeriac runtime (official clients)",
    what: "createCloudflareWorker({ tasks: [], envParts: OFFICIAL_PARTS }): the same with RedisBackend over @upstash/redis, QStashBroker and the Receiver verifier over @upstash/qstash (jose); not budgeted",
    source: `import { createCloudflareWorker } from "./src/adapters/cloudflare.ts";\nimport { OFFICIAL_PARTS } from "./src/config/index.ts";\nexport default createCloudflareWorker({ tasks: [], envParts: OFFICIAL_PARTS });\n`,
    resolveDir: ROOT,
  };
  const withDashboard: Target = {
    name: "celeriac runtime + dashboard",
    what: "createCloudflareWorker({ tasks: [], dashboard: dashboard() }): the runtime (no schedule) plus celeriac/dashboard (pages, charts, script, styles, hono/html); its own size is the difference; not budgeted",
    source: `import { createCloudflareWorker } from "./src/adapters/cloudflare.ts";\nimport { dashboard } from "./src/dashboard/index.ts";\nexport default createCloudflareWorker({ tasks: [], dashboard: dashboard() });\n`,
    resolveDir: ROOT,
  };
  const example: Target = {
    name: "celeriac example worker",
    what: "functions/worker.ts: the runtime plus the example tasks and what they import (zod classic)",
    source: `export { default } from "./functions/worker.ts";\n`,
    resolveDir: ROOT,
  };
  const peers: Target[] = [
    {
      name: "@upstash/workflow",
      what: "@upstash/workflow/hono serve() of one empty workflow on a Hono app",
      source: `import { Hono } from "hono";\nimport { serve } from "@upstash/workflow/hono";\nconst app = new Hono();\napp.post("/workflow", serve(async () => {}));\nexport default app;\n`,
      resolveDir: PEERS,
    },
    {
      name: "inngest",
      what: "inngest/hono serve() with no functions on a Hono app",
      source: `import { Hono } from "hono";\nimport { Inngest } from "inngest";\nimport { serve } from "inngest/hono";\nconst inngest = new Inngest({ id: "bench" });\nconst app = new Hono();\napp.on(["GET", "PUT", "POST"], "/api/inngest", serve({ client: inngest, functions: [] }));\nexport default app;\n`,
      resolveDir: PEERS,
    },
    {
      name: "hono",
      what: "an empty new Hono() app (the floor under all of the above)",
      source: `import { Hono } from "hono";\nexport default new Hono();\n`,
      resolveDir: PEERS,
    },
  ];

  const withSchedule: Target = {
    name: "celeriac runtime + one schedule",
    what: "createCloudflareWorker({ tasks: [], schedules: [schedule({ name, cron, task })] }): the runtime plus the schedule definitions and the cron clock (util/cron.ts, util/cron-pattern.ts, schedule/cloudflare-crons.ts); no user code",
    source: `import { createCloudflareWorker } from "./src/adapters/cloudflare.ts";\nimport { schedule } from "./src/index.ts";\nexport default createCloudflareWorker({ tasks: [], schedules: [schedule({ name: "s", cron: "* * * * *", task: "t" })] });\n`,
    resolveDir: ROOT,
  };
  const rt = await bundle(runtime);
  const sch = await bundle(withSchedule);
  line({ name: withSchedule.name, what: withSchedule.what, raw: sch.raw, gzip: sch.gzip, rawKB: kb(sch.raw), gzipKB: kb(sch.gzip), nodeBuiltins: sch.nodeBuiltins, budgeted: true, scheduleGzip: sch.gzip - rt.gzip });
  line({ name: runtime.name, what: runtime.what, raw: rt.raw, gzip: rt.gzip, rawKB: kb(rt.raw), gzipKB: kb(rt.gzip), nodeBuiltins: rt.nodeBuiltins, budgeted: false });
  // The adapter's default `envParts = SLIM_PARTS` would pull the slim clients in too; leave them out to show the official profile alone.
  const off = await bundle(official, ["*/slim-parts.ts"]);
  line({ name: official.name, what: official.what, raw: off.raw, gzip: off.gzip, rawKB: kb(off.raw), gzipKB: kb(off.gzip), nodeBuiltins: off.nodeBuiltins, budgeted: false });

  const dash = await bundle(withDashboard);
  line({
    name: withDashboard.name, what: withDashboard.what, raw: dash.raw, gzip: dash.gzip, rawKB: kb(dash.raw), gzipKB: kb(dash.gzip), nodeBuiltins: dash.nodeBuiltins,
    budgeted: false, dashboardRaw: dash.raw - rt.raw, dashboardGzip: dash.gzip - rt.gzip,
  });

  const ex = await bundle(example);
  const runtimeInputs = new Set(bytesByInput(rt.metafile).keys());
  let runtimeShare = 0;
  let userShare = 0;
  for (const [path, bytes] of bytesByInput(ex.metafile)) {
    if (runtimeInputs.has(path)) runtimeShare += bytes;
    else userShare += bytes;
  }
  line({
    name: example.name, what: example.what, raw: ex.raw, gzip: ex.gzip, rawKB: kb(ex.raw), gzipKB: kb(ex.gzip), nodeBuiltins: ex.nodeBuiltins,
    rawFromRuntimeInputs: runtimeShare, rawFromUserCodeAndItsDependencies: userShare,
  });

  for (const peer of peers) {
    const b = await bundle(peer);
    line({ name: peer.name, what: peer.what, raw: b.raw, gzip: b.gzip, rawKB: kb(b.raw), gzipKB: kb(b.gzip), nodeBuiltins: b.nodeBuiltins });
  }

  const byOwner = new Map<string, number>();
  for (const [path, bytes] of bytesByInput(rt.metafile)) byOwner.set(owner(path), (byOwner.get(owner(path)) ?? 0) + bytes);
  const packages: Record<string, { raw: number; gzipSavedIfExternal?: number }> = {};
  for (const [name, raw] of [...byOwner].sort((a, b) => b[1] - a[1])) {
    if (raw === 0 || name.endsWith(".entry.ts")) continue;
    packages[name] = { raw };
    if (name !== "celeriac src/" && !name.startsWith("<")) {
      const without = await bundle(runtime, [name, `${name}/*`]);
      packages[name].gzipSavedIfExternal = rt.gzip - without.gzip;
    }
  }
  const inputs = bytesByInput(rt.metafile);
  const slimClients = Object.fromEntries(
    ["src/backend/redis/rest-redis.ts", "src/broker/qstash-fetch.ts", "src/verify/jwt-verifier.ts", "src/config/slim-parts.ts"].map((f) => [f, inputs.get(f) ?? 0]),
  );
  line({
    name: "celeriac runtime breakdown",
    note: "raw = output bytes from each package; gzipSavedIfExternal = gzip bytes the runtime bundle loses when that package is left out; slimClients = output bytes of the fetch-only clients that replace @upstash/redis and @upstash/qstash",
    packages,
    slimClients,
  });

  const ok = sch.gzip <= BUDGET_GZIP;
  line({
    check: "celeriac runtime + one schedule (slim, the Workers default) gzip <= 45 KB",
    gzip: sch.gzip, gzipKB: kb(sch.gzip), budget: BUDGET_GZIP, ok, withoutScheduleGzipKB: kb(rt.gzip), officialClientsGzipKB: kb(off.gzip),
  });
  writeFileSync(join(OUT, "bundle-metafile.json"), JSON.stringify(rt.metafile));
  return ok ? 0 : 1;
}

process.exitCode = await main();
