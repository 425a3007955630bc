/**
 * Start `test/support/worker-process.ts` in a child process and drive it: wait until it has
 * loaded, tell it to listen, kill it. Waits are on the child's own output, with deadlines.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
export { freePort } from "./ports.ts";

const ENTRY = fileURLToPath(new URL("./worker-process.ts", import.meta.url));

export interface WorkerProcess {
  readonly child: ChildProcess;
  /** Everything the child printed (for failure messages). */
  output(): string;
  /** Resolves once the child printed `line`. */
  waitFor(line: "loaded" | "ready", timeoutMs?: number): Promise<void>;
  /** Bind the port and resolve once listening. */
  listen(timeoutMs?: number): Promise<void>;
  /** SIGKILL, resolved once the process is gone. */
  kill(): Promise<void>;
}

/** Spawn the worker process with `env` (see worker-process.ts); resolves once it has loaded. */
export async function spawnWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let out = "";
  const seen = new Set<string>();
  const waiters: { line: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const line of out.split("\n")) seen.add(line.trim());
    for (const w of waiters.splice(0)) (seen.has(w.line) ? w.resolve() : waiters.push(w));
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", (chunk: Buffer) => void (out += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  const handle: WorkerProcess = {
    child,
    output: () => out,
    waitFor(line, timeoutMs = 15_000) {
      if (seen.has(line)) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`worker process did not print "${line}" within ${timeoutMs} ms:\n${out}`)), timeoutMs);
        waiters.push({ line, resolve: () => (clearTimeout(timer), resolve()) });
        void exited.then(() => reject(new Error(`worker process exited (${child.exitCode ?? child.signalCode}) before "${line}":\n${out}`)));
      });
    },
    async listen(timeoutMs) {
      child.stdin!.write("listen\n");
      await handle.waitFor("ready", timeoutMs);
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
  try {
    await handle.waitFor("loaded");
  } catch (error) {
    await handle.kill();
    throw error;
  }
  return handle;
}

