/**
 * `redis` and `tsx` are needed only where the CLI uses them: without `redis`, the commands that do
 * not take `--redis` still start, and those that do say which package to install, in one line.
 * A package is made missing with a module hook that resolves it from a directory without
 * node_modules, so Node itself reports it as not found.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../../src/errors.ts";
import { importOptional } from "../../../src/node/import-optional.ts";
import { freePort } from "../../support/ports.ts";
import { killAll, runCli, startCli } from "./run-cli.ts";

/** A fresh port nothing listens on: the commands must stop before connecting anyway. */
const nowhere = `redis://127.0.0.1:${await freePort()}`;

/** `node --import` arguments that make the packages `names` missing. */
function without(...names: string[]): string[] {
  const hooks = `export async function resolve(specifier, context, next) {
    const name = specifier.split("/")[0];
    if (${JSON.stringify(names)}.includes(name)) return next(specifier, { ...context, parentURL: "file:///nonexistent/project/index.mjs" });
    return next(specifier, context);
  }`;
  const register = `import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(${JSON.stringify(hooks)}));`;
  return ["--import", `data:text/javascript,${encodeURIComponent(register)}`];
}

afterEach(killAll);

describe("optional packages of the CLI", { timeout: 120_000 }, () => {
  it.each([
    [["dev", "--redis", nowhere, "--port", "0"], 'celeriac dev --redis needs the "redis" package: npm install redis.'],
    [["broker", "--redis", nowhere, "--port", "0"], 'celeriac broker --redis needs the "redis" package: npm install redis.'],
    [["redis-bridge", "--port", "0"], 'celeriac redis-bridge needs the "redis" package: npm install redis.'],
  ])("without redis, celeriac %j names the package to install", async (args, line) => {
    const result = await runCli(args, { nodeArgs: without("redis") });
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: `${line}\n` });
  });

  it("without redis, celeriac dev and celeriac broker start (in memory)", async () => {
    for (const [args, ready] of [[["dev", "--port", "0"], /celeriac dev server: http/], [["broker", "--port", "0"], /QSTASH_URL=http/]] as const) {
      const cli = startCli([...args], { nodeArgs: without("redis"), env: { CELERIAC_API_TOKEN: "t" } });
      await cli.waitFor(ready, { timeoutMs: 60_000 });
      expect(await cli.stop(), `${args.join(" ")}:\n${cli.output()}`).toBe(0);
    }
  });

  it("without tsx, the CLI says to install it", async () => {
    const result = await runCli(["dev"], { nodeArgs: without("tsx") });
    expect(result).toMatchObject({ code: 1, stdout: "", stderr: 'celeriac: running from its TypeScript sources, the CLI needs the "tsx" package: npm install tsx.\n' });
  });
});

describe("importOptional", () => {
  it("turns a missing package into a ConfigError naming it; other errors pass through", async () => {
    const name = "celeriac-no-such-package";
    const missing = importOptional(name, "celeriac dev --redis", () => import(name));
    await expect(missing).rejects.toBeInstanceOf(ConfigError);
    await expect(missing).rejects.toThrow('celeriac dev --redis needs the "celeriac-no-such-package" package: npm install celeriac-no-such-package.');
    await expect(importOptional("redis", "x", () => Promise.reject(new TypeError("boom")))).rejects.toThrow(TypeError);
    expect(typeof (await importOptional("redis", "x", () => import("redis"))).createClient).toBe("function");
  });
});
