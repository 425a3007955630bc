/**
 * A private `redis-server` for tests: on a free loopback port, without persistence
 * (`--save "" --appendonly no`), in its own directory under the OS temp dir, stopped and removed
 * by `stop()`. The suite's global setup starts one for every test file (test/support/global-redis.ts);
 * tests that need a whole server to themselves (INFO commandstats, SCRIPT FLUSH) start another.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { createConnection } from "node:net";
import { freePort } from "./ports.ts";

/** What to run when redis-server is missing (the CI script installs it). */
export const INSTALL_HINT = ".ci/install-redis-server.sh";

/**
 * The redis-server executable: `CELERIAC_REDIS_SERVER` when set (a path; undefined if it is not an
 * executable), else the first on PATH or in the usual Debian places; undefined when missing.
 */
export function findRedisServer(): string | undefined {
  const given = process.env.CELERIAC_REDIS_SERVER;
  if (given) {
    try {
      accessSync(given, constants.X_OK);
      return given;
    } catch {
      return undefined;
    }
  }
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter(Boolean), "/usr/bin", "/usr/local/bin", "/usr/sbin"];
  for (const dir of dirs) {
    const candidate = join(dir, "redis-server");
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface StartedRedisServer {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stop the server (SIGTERM, then SIGKILL after 5 s) and remove its directory. */
  stop(): Promise<void>;
}

/** One PING over a raw socket: true when the server answers +PONG. */
function pong(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port });
    let reply = "";
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    socket.on("data", (chunk) => {
      reply += chunk.toString("latin1");
      if (reply.includes("\r\n")) done(reply.startsWith("+PONG"));
    });
  });
}

/**
 * Start redis-server on a free port; resolves once it answers PING. Throws a one-line error naming
 * {@link INSTALL_HINT} when redis-server is not installed. A port taken between the free-port probe
 * and the server's bind is retried on another port.
 */
export async function startRedisServer(options: { timeoutMs?: number } = {}): Promise<StartedRedisServer> {
  const bin = findRedisServer();
  if (!bin) {
    const where = process.env.CELERIAC_REDIS_SERVER ? `not executable at CELERIAC_REDIS_SERVER=${process.env.CELERIAC_REDIS_SERVER}` : "not installed";
    throw new Error(`redis-server is ${where}; the tests need it: run ${INSTALL_HINT} (or apt-get install redis-server).`);
  }
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOn(bin, await freePort(), options.timeoutMs ?? 15_000);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startOn(bin: string, port: number, timeoutMs: number): Promise<StartedRedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "celeriac-test-redis-"));
  const logfile = join(dir, "redis.log");
  const child = spawn(
    bin,
    ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir, "--logfile", logfile, "--daemonize", "no"],
    { stdio: "ignore" },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.once("error", () => {});
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    }
    remove();
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      let log = "";
      try {
        log = readFileSync(logfile, "utf8").trim().split("\n").slice(-1)[0] ?? "";
      } catch {
        // no log written
      }
      remove();
      throw new Error(`redis-server on port ${port} exited with ${child.exitCode ?? child.signalCode}${log ? `: ${log}` : ""}`);
    }
    if (await pong(port)) return { url: `redis://127.0.0.1:${port}`, port, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms (log: ${logfile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
