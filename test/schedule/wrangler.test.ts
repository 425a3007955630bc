import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSchedules } from "../../src/node/cli/schedules-command.ts";
import { readCrons, writeCrons } from "../../src/schedule/wrangler-toml.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "celeriac-wrangler-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await runSchedules(argv, { env: {}, out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

const TOML = `name = "app"
main = "worker.ts"

[triggers]
crons = [] # filled by celeriac

[vars]
A = "1"
`;

describe("celeriac schedules wrangler", () => {
  it("prints the UTC trigger lines, naming what each one fires", async () => {
    const { code, out } = await run("wrangler", "--functions", fixture("functions-v1.ts"));
    expect(code).toBe(0);
    expect(out).toContain('crons = ["*/10 * * * *", "0,30 0,1 * * *"]');
    expect(out).toContain('#   "0,30 0,1 * * *": berlin_nightly (30 2 * * * Europe/Berlin)');
  });

  it("--check exits 1 when wrangler.toml is out of date and 0 once --write fixed it, touching nothing else", async () => {
    const path = join(dir, "wrangler.toml");
    await writeFile(path, TOML);
    const stale = await run("wrangler", "--check", "--config", path, "--functions", fixture("functions-v1.ts"));
    expect(stale.code).toBe(1);
    expect(stale.err).toContain('is out of date: [triggers] crons is [], the schedules need ["*/10 * * * *", "0,30 0,1 * * *"]');
    expect((await run("wrangler", "--write", "--config", path, "--functions", fixture("functions-v1.ts"))).code).toBe(0);
    expect(await readFile(path, "utf8")).toBe(TOML.replace("crons = []", 'crons = ["*/10 * * * *", "0,30 0,1 * * *"]'));
    expect((await run("wrangler", "--check", "--config", path, "--functions", fixture("functions-v1.ts"))).code).toBe(0);
    // Removing a schedule from code makes the file stale again.
    expect((await run("wrangler", "--check", "--config", path, "--functions", fixture("functions-v2.ts"))).code).toBe(1);
  });

  it("the repository's wrangler.toml lists what functions/ needs", async () => {
    const { code, out, err } = await run("wrangler", "--check", "--config", join(ROOT, "wrangler.toml"), "--functions", join(ROOT, "functions/index.ts"));
    expect(err).toBe("");
    expect(out).toContain("up to date");
    expect(code).toBe(0);
  });

  it("reads multi-line arrays with comments and single quotes; writes a missing table", () => {
    expect(readCrons(`[triggers]\ncrons = [\n  "0 * * * *", # hourly\n  '*/5 * * * *',\n]\n`)).toEqual(["0 * * * *", "*/5 * * * *"]);
    expect(readCrons(`name = "x"\n`)).toBeUndefined();
    expect(writeCrons(`name = "x"\n`, ["0 * * * *"])).toBe(`name = "x"\n\n[triggers]\ncrons = ["0 * * * *"]\n`);
  });
});
