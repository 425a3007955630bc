/**
 * Every bad invocation of `celeriac` answers with one line on stderr (what was wrong, what to
 * do), a non-zero exit code and no stack trace; `--help` and `--version` answer on stdout. The
 * invocations of issue #17 run as a user runs them (`node bin/celeriac.mjs …`); the rest of the
 * messages are checked in process, through the same `main()`.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../../src/node/cli/cli.ts";
import { type CliResult, freePort, makeProject, removeProjects, occupyPort, ROOT, runCli } from "./run-cli.ts";

const VERSION = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
const hint = (command: string) => ` Run "celeriac ${command} --help" for the options.`;

/** One line on stderr, nothing on stdout, no stack frame. */
function expectOneLineError(result: Pick<CliResult, "code" | "stdout" | "stderr">, code: number, line: RegExp | string): void {
  expect({ code: result.code, stdout: result.stdout }).toEqual({ code, stdout: "" });
  expect(result.stderr).not.toMatch(/^\s+at /m);
  expect(result.stderr.endsWith("\n") && !result.stderr.slice(0, -1).includes("\n"), `one line: ${result.stderr}`).toBe(true);
  if (typeof line === "string") expect(result.stderr.trimEnd()).toBe(line);
  else expect(result.stderr.trimEnd()).toMatch(line);
}

/** `main()` in this process, with its output captured. */
async function runMain(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { out: (t) => (stdout += t), err: (t) => (stderr += t), debug: false });
  return { code, stdout, stderr };
}

let project: string;
afterAll(removeProjects);
beforeAll(() => {
  project = makeProject({
    files: {
      "empty.ts": "export const answer = 42;\n",
      "broken.ts": 'import { z } from "zod";\nexport const x = z.object({ a: z.string() ;\n',
      "throws.ts": 'import { z } from "zod";\nthrow new TypeError("DATABASE_URL is not set");\n',
    },
  });
});

describe("celeriac, run as a user runs it", { timeout: 120_000 }, () => {
  it.each([
    [["dev", "--prot", "9000"], 2, "celeriac dev: unknown option --prot (did you mean --port?)." + hint("dev")],
    [["dev", "--port", "abc"], 2, 'celeriac dev: --port must be a whole number from 0 to 65535 (0 picks a free port), not "abc".' + hint("dev")],
    [["bogus"], 2, 'celeriac: unknown command "bogus". Run "celeriac --help" for the commands: dev, broker, redis-bridge, schedules, queues, manifest, call, result, revoke, inspect, dlq, purge, events.'],
    [["dev"], 1, /^celeriac dev: the functions file functions\/index\.ts does not exist \(looked for \/.*\/functions\/index\.ts\)\. Create it and export your tasks from it, or pass --functions <path>\.$/],
    [["dev", "--functions", "empty.ts"], 1, 'celeriac dev: empty.ts exports no tasks. Export the values returned by task(...) from it, e.g. export const add = task({ name: "math_add", input }, handler).'],
    [["dev", "--functions", "broken.ts"], 1, 'celeriac dev: broken.ts failed to load: broken.ts:2:42: Expected "}" but found ";". Fix it and run the command again.'],
    [["dev", "--functions", "throws.ts"], 1, "celeriac dev: throws.ts failed to load: TypeError: DATABASE_URL is not set (at throws.ts:2). Fix it and run the command again."],
  ] as const)("celeriac %j answers with one line, exit code %i and no stack", async (args, code, line) => {
    expectOneLineError(await runCli([...args], { cwd: project }), code, line);
  });

  it("--help and -h print the command's usage, --version and -v the version, with exit code 0", async () => {
    for (const args of [["dev", "--help"], ["dev", "-h"]]) {
      const result = await runCli(args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      expect(result.stdout).toMatch(/^Usage: celeriac dev \[--port 8787\]/);
    }
    for (const flag of ["--version", "-v"]) expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `${VERSION}\n`, stderr: "" });
  });

  describe("when the port is taken", () => {
    let taken: Awaited<ReturnType<typeof occupyPort>>;
    beforeAll(async () => {
      taken = await occupyPort();
    });
    afterAll(() => taken.close());

    it.each(["dev", "broker", "redis-bridge"])("celeriac %s --port <taken> says so and how to pick another", async (command) => {
      const result = await runCli([command, "--port", String(taken.port)]);
      expectOneLineError(result, 1, `celeriac ${command}: port ${taken.port} is in use on 127.0.0.1. Stop the other process or pass --port <n> (0 picks a free one).`);
    });
  });

  it.each(["broker", "dev", "redis-bridge"])("celeriac %s --redis <nothing listening> exits with code 1 within 5 s, naming the URL", async (command) => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const result = await runCli([command, "--redis", url, "--port", "0"]);
    expectOneLineError(result, 1, `celeriac ${command}: cannot reach Redis at ${url} (connection refused). Start redis-server or fix --redis.`);
    expect(result.ms).toBeLessThan(5000);
  });

  it("an unexpected error is one line, with the stack only under CELERIAC_DEBUG=1", async () => {
    // A hook that breaks one of celeriac's own modules, as a bug would.
    const breaker = `data:text/javascript,${encodeURIComponent(`
      import { register } from "node:module";
      register("data:text/javascript," + encodeURIComponent(\`export async function load(url, context, next) {
        if (url.endsWith("/src/node/dev/dev-server.ts")) throw new RangeError("simulated bug");
        return next(url, context);
      }\`));`)}`;
    const quiet = await runCli(["dev"], { nodeArgs: ["--import", breaker] });
    expectOneLineError(quiet, 1, "celeriac dev: unexpected error: RangeError: simulated bug. Run with CELERIAC_DEBUG=1 for the stack.");
    const debug = await runCli(["dev"], { nodeArgs: ["--import", breaker], env: { CELERIAC_DEBUG: "1" } });
    expect(debug.code).toBe(1);
    expect(debug.stderr).toMatch(/^celeriac dev: unexpected error: RangeError: simulated bug\.\nRangeError: simulated bug\n\s+at /);
  });
});

describe("celeriac's messages", () => {
  it.each([
    [["dve"], 'celeriac: unknown command "dve" (did you mean dev?). Run "celeriac --help" for the commands: dev, broker, redis-bridge, schedules, queues, manifest, call, result, revoke, inspect, dlq, purge, events.'],
    [["--verbose"], 'celeriac: unknown option --verbose. Run "celeriac --help" for the commands: dev, broker, redis-bridge, schedules, queues, manifest, call, result, revoke, inspect, dlq, purge, events.'],
    [["help", "nope"], 'celeriac: unknown command "nope". Run "celeriac --help" for the commands: dev, broker, redis-bridge, schedules, queues, manifest, call, result, revoke, inspect, dlq, purge, events.'],
    [["dev", "--port", "65536"], 'celeriac dev: --port must be a whole number from 0 to 65535 (0 picks a free port), not "65536".' + hint("dev")],
    [["dev", "--port", "1.5"], 'celeriac dev: --port must be a whole number from 0 to 65535 (0 picks a free port), not "1.5".' + hint("dev")],
    [["dev", "--port"], "celeriac dev: --port needs a value (--port <value>)." + hint("dev")],
    [["dev", "--redis", "localhost:1"], 'celeriac dev: --redis must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, not "localhost:1".' + hint("dev")],
    [["dev", "extra"], 'celeriac dev: unexpected argument "extra".' + hint("dev")],
    [["dev", "--host", ""], "celeriac dev: --host must not be empty." + hint("dev")],
    [["broker", "--port=-1"], 'celeriac broker: --port must be a whole number from 0 to 65535 (0 picks a free port), not "-1".' + hint("broker")],
    [["broker", "--token", ""], "celeriac broker: --token must not be empty." + hint("broker")],
    [["broker", "--host", "--port", "1"], "celeriac broker: --host needs a value (--host <value>)." + hint("broker")],
    [["broker", "--max-body-bytes", "big"], 'celeriac broker: --max-body-bytes must be a size such as 1048576, 512kb or 5mb, not "big".' + hint("broker")],
    [["broker", "--max-body-bytes", "0"], 'celeriac broker: --max-body-bytes must be a size such as 1048576, 512kb or 5mb, not "0".' + hint("broker")],
    [["redis-bridge", "--nope"], "celeriac redis-bridge: unknown option --nope." + hint("redis-bridge")],
    [["redis-bridge", "--redis", "http://127.0.0.1:1"], 'celeriac redis-bridge: --redis must be a redis:// or rediss:// URL such as redis://127.0.0.1:6379, not "http://127.0.0.1:1".' + hint("redis-bridge")],
    [["schedules"], "celeriac schedules: name a subcommand: sync, wrangler, list." + hint("schedules")],
    [["schedules", "lst"], 'celeriac schedules: unknown subcommand "lst" (did you mean list?); use sync, wrangler, list.' + hint("schedules")],
    [["schedules", "wrangler", "--check", "--write"], "celeriac schedules: pass --check or --write, not both." + hint("schedules")],
  ])("celeriac %j answers with one usage line and exit code 2", async (args, line) => {
    expectOneLineError(await runMain(args), 2, line);
  });

  it("a PORT variable that is not a port is named as such", async () => {
    const previous = process.env.PORT;
    process.env.PORT = "http";
    try {
      expectOneLineError(await runMain(["dev"]), 2, 'celeriac dev: PORT must be a whole number from 0 to 65535 (0 picks a free port), not "http".' + hint("dev"));
    } finally {
      if (previous === undefined) delete process.env.PORT;
      else process.env.PORT = previous;
    }
  });

  it("--help, -h and help <command> print each command's usage; no command prints the list", async () => {
    for (const command of ["dev", "broker", "redis-bridge", "schedules"]) {
      for (const args of [[command, "--help"], [command, "-h"], ["help", command], [command, "--port", "x", "--help"]]) {
        const result = await runMain(args);
        expect(result).toMatchObject({ code: 0, stderr: "" });
        expect(result.stdout).toMatch(new RegExp(`^Usage:\\s+celeriac ${command}`));
      }
    }
    for (const args of [[], ["--help"], ["-h"], ["help"]]) {
      const result = await runMain(args);
      expect(result).toMatchObject({ code: 0, stderr: "" });
      for (const command of ["dev", "broker", "redis-bridge", "schedules"]) expect(result.stdout).toContain(`celeriac ${command}`);
    }
  });
});
