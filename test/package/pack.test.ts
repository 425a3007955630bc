/**
 * The published package: `npm pack` (prepack builds dist/), the tarball installed offline into a
 * fresh project (versions and integrities from this repo's lockfile: scripts/consumer-lock.mjs),
 * then used as a user would: Node without a loader, tsc (NodeNext, strictest flags, no
 * skipLibCheck), Deno, and a wrangler bundle of a Worker importing celeriac/cloudflare.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");
const BIN = join(ROOT, "node_modules/.bin");
let work: string;
let app: string;

function run(cmd: string, args: string[], cwd = app, env: Record<string, string> = {}): string {
  return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000, env: { ...process.env, ...env } });
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "celeriac-pack-"));
  run("npm", ["pack", "--silent", "--pack-destination", work], ROOT);
  const tgz = join(work, readdirSync(work).find((f) => f.endsWith(".tgz"))!);
  app = join(work, "app");
  run(process.execPath, [join(ROOT, "scripts/consumer-lock.mjs"), app, tgz, "zod", "@types/node"], ROOT);
  cpSync(join(ROOT, "test/package/fixture"), app, { recursive: true });
  run("npm", ["ci", "--offline", "--no-audit", "--no-fund", "--loglevel=error"]);
}, 180_000);
afterAll(() => { if (work) rmSync(work, { recursive: true, force: true }); });

describe("the packed package", () => {
  it("ships dist with .js specifiers in its declarations", () => {
    const dts = readFileSync(join(app, "node_modules/celeriac/dist/index.d.ts"), "utf8");
    expect(dts).toMatch(/from "\.\/task\/task\.js"/);
    expect(dts).not.toMatch(/^(import|export)[^\n]*from "\.[^"]*\.ts"/m);
  });
  it("runs on plain Node (celeriac, celeriac/node)", () => {
    expect(JSON.parse(run(process.execPath, ["app.mjs"]).trim().split("\n").at(-1)!)).toMatchObject({ state: "SUCCESS", result: 5 });
  });
  it("type-checks under NodeNext + strict + exactOptionalPropertyTypes + noUncheckedIndexedAccess", () => {
    run(join(BIN, "tsc"), ["-p", "."]);
  }, 60_000);
  it("runs on Deno from node_modules", () => {
    const deno = (createRequire(join(ROOT, "package.json"))("deno/install_api.cjs") as { runInstall(): string }).runInstall();
    const out = run(deno, ["run", "--allow-net", "--allow-env", "--allow-read", "--cached-only", "--no-prompt", "deno-app.ts"]);
    expect(JSON.parse(out.trim().split("\n").at(-1)!)).toMatchObject({ runtime: "deno", result: 5 });
  }, 60_000);
  it("bundles a Worker importing celeriac/cloudflare with wrangler", () => {
    run(join(BIN, "wrangler"), ["deploy", "--dry-run", "--outdir", "out"], app, { WRANGLER_SEND_METRICS: "false" });
    expect(readFileSync(join(app, "out/worker.js"), "utf8").length).toBeGreaterThan(10_000);
  }, 60_000);
});
