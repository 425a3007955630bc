/**
 * Running `node bin/celeriac.mjs …` as a user would: to completion (exit code, stdout, stderr,
 * duration), or as a server whose output a test waits on, always with a deadline.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort } from "../../support/ports.ts";

export { freePort };

export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const BIN = join(ROOT, "bin/celeriac.mjs");

export interface CliOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Arguments for node before the script (`--import …`). */
  nodeArgs?: string[];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function start(args: string[], o: CliOptions): ChildProcess {
  // REDIS_URL (redis-bridge's default Redis) is the suite's private redis-server, never 6379.
  const env = { ...process.env, CELERIAC_DEBUG: undefined, PORT: undefined, REDIS_URL: process.env.CELERIAC_TEST_REDIS_URL, ...o.env };
  return spawn(process.execPath, [...(o.nodeArgs ?? []), BIN, ...args], { cwd: o.cwd ?? ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
}

/** Runs the CLI to its exit; kills it and rejects after `timeoutMs`. */
export function runCli(args: string[], o: CliOptions & { timeoutMs?: number } = {}): Promise<CliResult> {
  const began = Date.now();
  const child = start(args, o);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d) => (stdout += d));
  child.stderr!.on("data", (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timeoutMs = o.timeoutMs ?? 20_000;
    const deadline = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`celeriac ${args.join(" ")} did not exit within ${timeoutMs} ms:\n${stdout}${stderr}`));
    }, timeoutMs);
    child.once("close", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr, ms: Date.now() - began });
    });
  });
}

/** A running CLI (a server): its output so far, a wait on it, and a clean stop. */
export interface RunningCli {
  output(): string;
  /** Resolves the first match of `pattern` in the output after `from` (an index into it); rejects at the deadline or if the process exits. */
  waitFor(pattern: RegExp, o?: { timeoutMs?: number; from?: number }): Promise<RegExpExecArray>;
  /** SIGINT, then the exit code (SIGKILL after 10 s). */
  stop(): Promise<number | null>;
}

const running = new Set<ChildProcess>();

/** Kills every CLI started with {@link startCli} that is still running (for `afterEach`). */
export function killAll(): void {
  for (const child of running) child.kill("SIGKILL");
  running.clear();
}

export function startCli(args: string[], o: CliOptions = {}): RunningCli {
  const child = start(args, o);
  running.add(child);
  let out = "";
  let exited: number | null | undefined;
  const changed = new Set<() => void>();
  const notify = () => changed.forEach((f) => f());
  child.stdout!.on("data", (d) => ((out += d), notify()));
  child.stderr!.on("data", (d) => ((out += d), notify()));
  child.once("exit", (code) => ((exited = code), running.delete(child), notify()));
  const waitFor: RunningCli["waitFor"] = (pattern, { timeoutMs = 30_000, from = 0 } = {}) =>
    new Promise((resolve, reject) => {
      const done = () => (changed.delete(check), clearTimeout(deadline));
      const check = () => {
        const m = pattern.exec(out.slice(from));
        if (m) return (done(), resolve(m));
        if (exited !== undefined) return (done(), reject(new Error(`celeriac ${args.join(" ")} exited with ${exited} before printing ${pattern}:\n${out}`)));
      };
      const deadline = setTimeout(() => (done(), reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}`))), timeoutMs);
      changed.add(check);
      check();
    });
  return {
    output: () => out,
    waitFor,
    stop: () =>
      new Promise((resolve) => {
        if (exited !== undefined) return resolve(exited);
        const kill = setTimeout(() => child.kill("SIGKILL"), 10_000);
        child.once("exit", (code) => (clearTimeout(kill), resolve(code)));
        child.kill("SIGINT");
      }),
  };
}


/** Occupies a port on 127.0.0.1 until `close()`. */
export function occupyPort(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () =>
      resolve({ port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) }));
  });
}

/**
 * A user's project in a temporary directory: a package.json (with `type`, or none), zod, and a
 * celeriac whose root export is this repository's src/index.ts (the module instances the CLI,
 * run from the sources, uses too; the installed build is test/package's concern), and the files.
 */
export function makeProject(o: { type?: "commonjs" | "module"; files: Record<string, string> }): string {
  const dir = mkdtempSync(join(tmpdir(), "celeriac-project-"));
  projects.push(dir);
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "project", version: "1.0.0", ...(o.type ? { type: o.type } : {}) }, null, 2));
  mkdirSync(join(dir, "node_modules/celeriac"), { recursive: true });
  writeFileSync(join(dir, "node_modules/celeriac/package.json"), JSON.stringify({ name: "celeriac", type: "module", exports: { ".": "./src/index.ts" } }));
  symlinkSync(join(ROOT, "src"), join(dir, "node_modules/celeriac/src"), "dir");
  symlinkSync(join(ROOT, "node_modules/zod"), join(dir, "node_modules/zod"), "dir");
  for (const [path, text] of Object.entries(o.files)) writeProjectFile(dir, path, text);
  return dir;
}

const projects: string[] = [];

/** Deletes the projects made by {@link makeProject} (for `afterAll`). */
export function removeProjects(): void {
  for (const dir of projects.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function writeProjectFile(dir: string, path: string, text: string): void {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}
