/**
 * Deno smoke test: the example functions under `serveDeno` and `deno serve`, in the Deno binary
 * shipped by the `deno` npm package, resolving npm packages from the local node_modules (`nodeModulesDir:
 * "manual"` in deno.json) with `--cached-only`: no network.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT, expectSmokeSucceeded, runSmoke, type Services, startServices, waitHealthy } from "./services.ts";

/**
 * The Deno executable of the `deno` npm package. Its `install_api.cjs` returns the binary,
 * linking it from the platform package (`@deno/<target>`) on first use: no download. The real
 * binary is spawned (not the `bin.cjs` shim) so that killing it stops the server.
 */
function denoExecutable(): string {
  const require = createRequire(join(ROOT, "package.json"));
  let api: { runInstall(): string };
  try {
    api = require("deno/install_api.cjs");
  } catch (err) {
    throw new Error(`the "deno" devDependency is not installed (run npm ci): ${err}`);
  }
  return api.runInstall();
}
const RUN_ENTRY = ["run", "test/runtime/entries/deno-main.ts"];

interface DenoProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<string>;
}

/** `deno run` of the serveDeno entry (PORT from env), or `deno serve` of the default-export entry. */
function startDeno(env: Record<string, string>, command: string[] = RUN_ENTRY): DenoProcess {
  let output = "";
  const child = spawn(denoExecutable(), [command[0], "--allow-net", "--allow-env", "--allow-read", "--cached-only", "--no-prompt", ...command.slice(1)], {
    cwd: ROOT,
    // Only what Deno itself needs from the parent, plus the worker's variables.
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<string>((resolve) => child.once("exit", (code, signal) => resolve(`deno exited (${code ?? signal}):\n${output}`)));
  return { child, output: () => output, exited };
}

let services: Services | undefined;
let deno: DenoProcess | undefined;
let env: Record<string, string>;
let selfUrl: string;

beforeAll(async () => {
  services = await startServices("deno");
  if (!services) return;
  const port = await freePort();
  selfUrl = `http://127.0.0.1:${port}`;
  env = { ...services.env(selfUrl), PORT: String(port) };
  deno = startDeno(env);
  await waitHealthy(selfUrl, 20_000, deno.exited);
});

afterAll(async () => {
  if (deno && deno.child.exitCode === null) {
    deno.child.kill("SIGTERM");
    await deno.exited;
  }
  await services?.close();
});

describe("Deno runtime", () => {
  it("deno adapter runs math_add pushed by the local broker and stores SUCCESS in Redis", async (t) => {
    if (!services) return t.skip();
    const r = await runSmoke(services, selfUrl, env);
    expectSmokeSucceeded(r);
  });

  it("deno serve runs the default-export worker and its tasks", async (t) => {
    if (!services) return t.skip();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const served = startDeno(services.env(url), ["serve", "--host", "127.0.0.1", "--port", String(port), "test/runtime/entries/deno-serve.ts"]);
    try {
      await waitHealthy(url, 20_000, served.exited);
      const sent = await services.client(url).send<number>("math_add", { a: 20, b: 1 });
      expect(await sent.get({ timeoutMs: 15_000 })).toBe(21);
    } finally {
      served.child.kill("SIGTERM");
      await served.exited;
    }
  });

  it("deno adapter exits at startup naming every missing variable and how to set it on Deno", async () => {
    const port = await freePort();
    const bare = startDeno({ PORT: String(port), CELERIAC_URL: `http://127.0.0.1:${port}` });
    const ended = await Promise.race([bare.exited, new Promise<string>((r) => setTimeout(() => r("still running"), 20_000))]);
    if (bare.child.exitCode === null) bare.child.kill("SIGKILL");
    expect(ended).toMatch(/deno exited \(1\)/);
    expect(ended).toContain("ConfigError");
    expect(ended).toContain("celeriac cannot start on Deno: 6 environment variables need attention");
    for (const name of ["UPSTASH_REDIS_REST_URL", "UPSTASH_REDIS_REST_TOKEN", "QSTASH_TOKEN", "QSTASH_CURRENT_SIGNING_KEY", "QSTASH_NEXT_SIGNING_KEY", "CELERIAC_API_TOKEN"]) {
      expect(ended).toContain(`${name} is missing`);
    }
    expect(ended).toContain("deno run --env-file=.env");
  });
});
