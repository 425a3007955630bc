/**
 * A Node child process running a TypeScript entry (through tsx) with a small request/response
 * protocol over the IPC channel: `call(op, arg)` → the child's handler's answer.
 * @module
 */
import { type ChildProcess, fork } from "node:child_process";

/** A running child. */
export interface Child {
  readonly pid: number;
  /** Ask the child to run `op`; resolves with its answer. */
  call<T = unknown>(op: string, arg?: unknown): Promise<T>;
  /** Ask the child to close (`op: "close"`), then wait for it to exit. */
  stop(): Promise<void>;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: string;
}

/**
 * Start `entry` (a .ts file) with `node --import tsx`, passing `arg` as JSON in argv[2].
 * `execArgv` adds Node flags (e.g. `--cpu-prof`).
 */
export function startChild(entry: string, arg: unknown, execArgv: string[] = []): Child {
  const proc: ChildProcess = fork(entry, [JSON.stringify(arg)], {
    execArgv: ["--import", "tsx", ...execArgv],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let next = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.on("message", (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (m.ok) p.resolve(m.value);
    else p.reject(new Error(m.error));
  });
  proc.once("exit", (code, signal) => {
    for (const p of pending.values()) p.reject(new Error(`${entry} exited (${code ?? signal}) before answering`));
    pending.clear();
  });
  return {
    pid: proc.pid!,
    call<T>(op: string, value?: unknown): Promise<T> {
      const id = next++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, op, arg: value });
      });
    },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        await this.call("close").catch(() => {});
        const timer = setTimeout(() => proc.kill("SIGKILL"), 5000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

/** In the child: answer calls with `handler`; `close` runs `onClose` and exits. */
export function serveCalls(handler: (op: string, arg: unknown) => Promise<unknown> | unknown, onClose: () => Promise<void>): void {
  process.on("message", async (m: { id: number; op: string; arg: unknown }) => {
    try {
      if (m.op === "close") {
        await onClose();
        process.send!({ id: m.id, ok: true }, () => process.exit(0));
        return;
      }
      process.send!({ id: m.id, ok: true, value: await handler(m.op, m.arg) });
    } catch (err) {
      process.send!({ id: m.id, ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) });
    }
  });
}
