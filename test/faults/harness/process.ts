/**
 * Child processes the fault suite can kill, pause and restart: output kept for failure messages,
 * waits on a printed line with a deadline, SIGKILL / SIGSTOP / SIGCONT, and resident memory read
 * from /proc (the soak benchmark samples it).
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";

/** A running child. */
export interface Proc {
  readonly name: string;
  readonly child: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output(): string;
  /** Resolves once a line matching `pattern` was printed on stdout; rejects at the deadline or on exit. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Write one line to its stdin. */
  send(line: string): void;
  /** Send `signal` (default SIGKILL) and resolve once the process is gone. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGSTOP: the process holds its sockets but answers nothing. */
  pause(): void;
  /** SIGCONT. */
  resume(): void;
  /** Resident set size in bytes (/proc/<pid>/status VmRSS), undefined once gone. */
  rssBytes(): number | undefined;
  /** True until it exits. */
  alive(): boolean;
  /** The latest `mem {…}` line it printed (`process.memoryUsage()`, see memory-report.ts). */
  memory(): NodeJS.MemoryUsage | undefined;
}

/** Spawn `command args` with `env` added to this process's environment. */
export function startProc(name: string, command: string, args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  let stdoutText = "";
  let memory: NodeJS.MemoryUsage | undefined;
  const waiters = new Set<() => void>();
  child.stdout!.on("data", (chunk: Buffer) => {
    let text = chunk.toString();
    const mem = text.match(/^mem \{.*\}$/gm);
    if (mem) {
      memory = JSON.parse(mem[mem.length - 1].slice(4)) as NodeJS.MemoryUsage;
      text = text.replace(/^mem \{.*\}\n?/gm, "");
    }
    out += text;
    stdoutText += text;
    for (const w of [...waiters]) w();
  });
  child.stderr!.on("data", (chunk: Buffer) => void (out += chunk.toString()));
  child.stdin!.on("error", () => {}); // a killed child's stdin
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once("exit", () => ((exited = true), resolve(), [...waiters].forEach((w) => w()))));
  const keep = (text: string) => (text.length > 20_000 ? `…${text.slice(-20_000)}` : text);
  return {
    name,
    child,
    output: () => keep(out),
    waitForLine(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = stdoutText.split("\n").find((l) => pattern.test(l));
          if (found !== undefined) return done(() => resolve(found));
          if (exited) return done(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before printing ${pattern}:\n${keep(out)}`)));
        };
        const timer = setTimeout(() => done(() => reject(new Error(`${name} did not print ${pattern} within ${timeoutMs} ms:\n${keep(out)}`))), timeoutMs);
        const done = (settle: () => void) => {
          clearTimeout(timer);
          waiters.delete(check);
          settle();
        };
        waiters.add(check);
        check();
      });
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    async kill(signal = "SIGKILL") {
      if (!exited) {
        if (signal !== "SIGCONT") child.kill("SIGCONT"); // a paused process must be able to die of SIGTERM
        child.kill(signal);
      }
      await exit;
    },
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    rssBytes() {
      if (exited || child.pid === undefined) return undefined;
      try {
        const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${child.pid}/status`, "utf8"));
        return m ? Number(m[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
    alive: () => !exited,
    memory: () => memory,
  };
}
