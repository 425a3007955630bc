/**
 * Celery as a system under test: Debian's python3-celery with the Redis broker and result
 * backend (the benchmark's database), `celery worker --pool prefork --concurrency 2`, driven by
 * `driver.py` (one JSON command per line) that times the same three measurements.
 * Needs `/usr/bin/python3` with `celery` and `redis`; `ensureCelery()` installs Debian's
 * packages with `.ci/ensure-python-celery.sh` when they are missing.
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { System } from "../lib/system.ts";

export const PYTHON = "/usr/bin/python3";
const HERE = fileURLToPath(new URL(".", import.meta.url));
const ENSURE = fileURLToPath(new URL("../../.ci/ensure-python-celery.sh", import.meta.url));

function importsCelery(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import celery, redis"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Make sure /usr/bin/python3 imports celery and redis (apt-get through the CI script when not); answers their versions. */
export function ensureCelery(): string {
  if (!importsCelery()) {
    console.error("bench: python3-celery / python3-redis missing, installing with .ci/ensure-python-celery.sh (apt-get)…");
    execFileSync("sh", [ENSURE], { stdio: ["ignore", "inherit", "inherit"], timeout: 600_000 });
    if (!importsCelery()) throw new Error(`${PYTHON} still cannot import celery and redis after ${ENSURE}.`);
  }
  return execFileSync(PYTHON, ["-c", "import celery, kombu, redis; print(f'celery {celery.__version__}, kombu {kombu.__version__}, redis-py {redis.__version__}')"]).toString().trim();
}

/** Options of {@link startCelery}. */
export interface CeleryOptions {
  redisUrl: string;
  /** Prefork pool size (the issue's: 2). */
  concurrency: number;
}

export async function startCelery(o: CeleryOptions): Promise<System> {
  const versions = ensureCelery();
  const dir = mkdtempSync(join(tmpdir(), "celeriac-bench-celery-"));
  const env = { ...process.env, BENCH_REDIS_URL: o.redisUrl, BENCH_DONE_FILE: join(dir, "done"), PYTHONDONTWRITEBYTECODE: "1" };
  const worker: ChildProcess = spawn(
    PYTHON,
    ["-m", "celery", "-A", "tasks", "worker", "--pool", "prefork", "--concurrency", String(o.concurrency), "--loglevel", "WARNING", "--hostname", "bench@%h"],
    { cwd: HERE, env, stdio: ["ignore", "ignore", "inherit"] },
  );
  const driver = spawn(PYTHON, [join(HERE, "driver.py")], { cwd: HERE, env, stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: driver.stdout! })[Symbol.asyncIterator]();
  const call = async <T>(cmd: object): Promise<T> => {
    driver.stdin!.write(`${JSON.stringify(cmd)}\n`);
    const next = await lines.next();
    if (next.done) throw new Error(`Celery driver exited (code ${driver.exitCode}) during ${JSON.stringify(cmd)}`);
    const reply = JSON.parse(next.value) as T & { error?: string };
    if (reply.error) throw new Error(`Celery driver: ${reply.error}`);
    return reply;
  };
  const stop = (p: ChildProcess) =>
    new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const timer = setTimeout(() => p.kill("SIGKILL"), 10_000);
      p.once("exit", () => {
        clearTimeout(timer);
        resolve();
      });
      p.kill("SIGTERM");
    });
  try {
    await call({ op: "ping" }); // the worker is up and consuming
  } catch (err) {
    await Promise.all([stop(driver), stop(worker)]);
    throw err;
  }
  return {
    name: "celery",
    setup: `${versions}; worker --pool prefork --concurrency ${o.concurrency}, Redis broker and result backend, Celery defaults; driver sends with delay() and reads with get() one by one`,
    async throughput(n, ignoreResult) {
      return (await call<{ seconds: number }>({ op: "throughput", n, ignore: ignoreResult })).seconds;
    },
    async latency(n) {
      return (await call<{ ms: number[] }>({ op: "latency", n })).ms;
    },
    async chord(n) {
      return (await call<{ seconds: number }>({ op: "chord", n })).seconds;
    },
    async close() {
      driver.stdin!.end();
      await Promise.all([stop(driver), stop(worker)]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
