/**
 * The published package, used as a user would: `npm pack` (its `prepack` builds dist/), the
 * tarball installed into a new project without network access (`npm ci --offline`: versions and
 * integrities come from this repo's lockfile, the packages from the local npm cache; see
 * scripts/consumer-lock.mjs), then (1) plain Node without a loader runs a worker that the local
 * broker feeds, (2) tsc checks a user's code under NodeNext and the strictest flags, with celeriac's
 * own declarations checked too, and a Worker's code without Node's types, (3) Deno runs a program from node_modules, (4) wrangler bundles a
 * Worker, (5) the `celeriac` CLI runs from the build without tsx or redis. Fixtures: test/package/fixture/.
 */
import { execFile, spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../support/ports.ts";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules/.bin");
const timings: Record<string, number> = {};
let work: string;
let app: string;
let tarball: string;

/** Run a program (asynchronously: a synchronous child would stall vitest's worker); its stdout, or a rejection with its stderr. */
async function run(cmd: string, args: string[], cwd = app, env: Record<string, string> = {}): Promise<string> {
  try {
    return (await promisify(execFile)(cmd, args, { cwd, encoding: "utf8", timeout: 120_000, maxBuffer: 64 << 20, env: { ...process.env, ...env } })).stdout;
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${stdout ?? ""}${stderr ?? ""}`, { cause: err });
  }
}

async function timed<T>(step: string, fn: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await fn();
  } finally {
    timings[step] = Math.round(performance.now() - start);
  }
}

/** The last line of a program's output, as JSON. */
const lastJson = (out: string): Record<string, unknown> => JSON.parse(out.trim().split("\n").at(-1)!) as Record<string, unknown>;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "celeriac-pack-"));
  await timed("npm pack (build included)", () => run("npm", ["pack", "--silent", "--pack-destination", work], ROOT));
  tarball = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  app = join(work, "app");
  await run(process.execPath, [join(ROOT, "scripts/consumer-lock.mjs"), app, tarball, "zod", "@types/node"], ROOT);
  cpSync(join(ROOT, "test/package/fixture"), app, { recursive: true });
  await timed("npm ci --offline", () => run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"]));
}, 240_000);

afterAll(() => {
  console.info(`package test timings (ms): ${JSON.stringify(timings)}`);
  if (work) rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("ships the build, the sources, README and LICENSE, and no tests", async () => {
    const files = (await run("tar", ["-tzf", tarball], work)).split("\n").filter(Boolean);
    for (const file of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.d.ts.map", "package/src/index.ts", "package/README.md", "package/LICENSE", "package/bin/celeriac.mjs"]) {
      expect(files).toContain(file);
    }
    expect(files.filter((f) => /^package\/(test|bench|functions|scripts)\//.test(f))).toEqual([]);
    const dts = readFileSync(join(app, "node_modules/celeriac/dist/index.d.ts"), "utf8");
    expect(dts).toMatch(/from "\.\/task\/task\.js"/);
    expect(dts).not.toMatch(/^(import|export)[^\n]*from "\.[^"]*\.ts"/m);
  });

  it("installs without the optional peers (redis, tsx) and without esbuild", () => {
    for (const name of ["redis", "@redis/client", "tsx", "esbuild"]) expect(existsSync(join(app, "node_modules", name)), name).toBe(false);
    expect(existsSync(join(app, "node_modules/hono"))).toBe(true);
  });

  it("runs on plain Node: a task pushed by the local broker to serveNode reaches SUCCESS", async () => {
    const out = lastJson(await timed("node app.mjs", () => run(process.execPath, ["app.mjs"])));
    expect(out).toMatchObject({ state: "SUCCESS", SUCCESS: "SUCCESS", direct: 5, viaApi: 42 });
    expect(out.withoutRedis).toContain("npm install redis");
  });

  it("type-checks a user's code under NodeNext + strict + exactOptionalPropertyTypes + noUncheckedIndexedAccess, wrong names and inputs included", async () => {
    const user = readFileSync(join(app, "user.ts"), "utf8");
    expect(user.match(/@ts-expect-error/g)?.length).toBeGreaterThanOrEqual(3);
    await timed("tsc -p .", () => run(join(BIN, "tsc"), ["-p", "."]));
  }, 90_000);

  it("type-checks a Worker with no Node types (Bundler resolution, DOM lib, types: [])", async () => {
    await timed("tsc -p tsconfig.worker.json", () => run(join(BIN, "tsc"), ["-p", "tsconfig.worker.json"]));
  }, 90_000);

  it("runs on Deno from node_modules", async () => {
    const deno = (createRequire(join(ROOT, "package.json"))("deno/install_api.cjs") as { runInstall(): string }).runInstall();
    const out = await timed("deno run", () => run(deno, ["run", "--allow-net", "--allow-env", "--allow-read", "--cached-only", "--no-prompt", "deno-app.ts"]));
    expect(lastJson(out)).toMatchObject({ runtime: "deno", state: "SUCCESS", result: 5 });
  }, 60_000);

  it("runs its CLI from the build: tsx only for TypeScript functions, redis only for --redis, each named when missing", async () => {
    const cli = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
        execFile(join(app, "node_modules/.bin/celeriac"), args, { cwd: app, encoding: "utf8", timeout: 60_000, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
          resolve({ code: err ? Number((err as { code?: unknown }).code ?? 1) : 0, stdout, stderr })));
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(await cli(["--version"])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    expect(await cli(["dev", "--functions", "tasks.ts", "--port", "0"])).toEqual({ code: 1, stdout: "", stderr: 'celeriac dev: loading tasks.ts (TypeScript) needs the "tsx" package: npm install tsx.\n' });
    // A fresh port nothing listens on: the command must stop before connecting anyway.
    expect(await cli(["broker", "--redis", `redis://127.0.0.1:${await freePort()}`])).toEqual({ code: 1, stdout: "", stderr: 'celeriac broker --redis needs the "redis" package: npm install redis.\n' });

    const dev = spawn(join(app, "node_modules/.bin/celeriac"), ["dev", "--functions", "functions.mjs", "--port", "0"], { cwd: app, env: { ...process.env, CELERIAC_API_TOKEN: "t" } });
    const exited = new Promise((resolve) => dev.once("exit", resolve));
    let out = "";
    dev.stdout.on("data", (d) => (out += d));
    dev.stderr.on("data", (d) => (out += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const deadline = setTimeout(() => reject(new Error(`no banner within 60 s:\n${out}`)), 60_000);
        dev.stdout.on("data", () => {
          const m = /celeriac dev server: (\S+)[\s\S]*api\/results/.exec(out);
          if (m) (clearTimeout(deadline), resolve(m[1]!));
        });
      });
      const auth = { authorization: "Bearer t", "content-type": "application/json" };
      const sent = (await (await fetch(`${url}/api/tasks/math_add`, { method: "POST", headers: auth, body: JSON.stringify({ input: { a: 2, b: 3 } }) })).json()) as { url: string };
      let view: { state?: string; result?: unknown } = {};
      for (const deadline = Date.now() + 20_000; view.state !== "SUCCESS" && Date.now() < deadline;) view = (await (await fetch(sent.url, { headers: auth })).json()) as typeof view;
      expect(view).toMatchObject({ state: "SUCCESS", result: 5 });
      // The operating commands from the build, against the same server.
      const called = await cli(["call", "math_add", "--input", '{"a": 20, "b": 22}', "--wait"], { CELERIAC_URL: url, CELERIAC_API_TOKEN: "t" });
      expect(called).toMatchObject({ code: 0, stdout: expect.stringMatching(/^\S+  SUCCESS  math_add  done .*\n42\n$/) });
    } finally {
      dev.kill("SIGINT");
    }
    expect(await exited).toBe(0);
  }, 120_000);

  it("bundles a user's Worker importing celeriac/cloudflare with wrangler", async () => {
    await timed("wrangler deploy --dry-run", () => run(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", "out"], app, { WRANGLER_SEND_METRICS: "false" }));
    const bundle = readFileSync(join(app, "out/worker.js"), "utf8");
    expect(bundle).toContain("math_add");
    expect(bundle).not.toMatch(/node_modules\/(redis|@redis|tsx)\//);
  }, 90_000);
});
