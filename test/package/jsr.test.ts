/**
 * JSR: `deno publish --dry-run` passes without `--allow-slow-types` (explicit types on the public
 * API, every export of deno.json resolvable), with no warning. `--allow-dirty` because the check
 * is about the code, not about the working tree being committed.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = join(import.meta.dirname, "../..");

describe("the JSR package", () => {
  it("passes deno publish --dry-run with no slow types and no warning", async () => {
    const deno = (createRequire(join(ROOT, "package.json"))("deno/install_api.cjs") as { runInstall(): string }).runInstall();
    // Asynchronously: a synchronous child would stall vitest's worker for the half minute this takes.
    const child = spawn(deno, ["publish", "--dry-run", "--allow-dirty"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
    expect(out).toContain("Success Dry run complete");
    expect(out.match(/^(error|warning)\b.*$/gm) ?? []).toEqual([]);
    expect(status).toBe(0);
  }, 120_000);
});
