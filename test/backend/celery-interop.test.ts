/**
 * Python Celery reads what RedisBackend stores: results written through the unmodified
 * @upstash/redis client and the REST bridge into the real Redis are read back by Debian's
 * python3-celery with `AsyncResult(id, app=Celery(backend=…))`.
 *
 * Needs /usr/bin/python3 with `celery` and `redis` (the machine's default `python3` may be a
 * pyenv build without them). When they are missing this file runs .ci/ensure-python-celery.sh
 * (apt-get, needs root). It skips only outside CI when they still cannot be imported (no root,
 * no network); in CI it fails instead.
 */
import { execFile, execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/redis-backend.ts";
import type { TaskMeta } from "../../src/backend/backend.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { FAILURE, REVOKED, SUCCESS } from "../../src/states.ts";
import { meta } from "./contract.ts";
import { connectDirect, eventually, IN_CI, type NodeRedis, REDIS_URL, requireRedis, startBridge, upstashClient } from "./redis-env.ts";

const PYTHON = "/usr/bin/python3";
// vitest runs from the repository root
const ENSURE = join(process.cwd(), ".ci", "ensure-python-celery.sh");

function pythonHasCelery(): boolean {
  try {
    execFileSync(PYTHON, ["-c", "import celery, redis"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** Import check, installing with the CI script when missing. Returns the reason it cannot run, or null. */
function pythonCeleryUnavailable(): string | null {
  if (pythonHasCelery()) return null;
  try {
    execFileSync("sh", [ENSURE], { stdio: "ignore", timeout: 300_000 });
  } catch {
    // reported below
  }
  if (pythonHasCelery()) return null;
  const reason = existsSync(PYTHON)
    ? `${PYTHON} cannot import celery and redis, and ${ENSURE} could not install python3-celery python3-redis (needs root and Debian's package mirror)`
    : `${PYTHON} does not exist`;
  if (IN_CI) throw new Error(`CI is set but the Celery interop test cannot run: ${reason}.`);
  return reason;
}

const redisUp = await requireRedis();
const unavailable = redisUp ? pythonCeleryUnavailable() : "Redis is not running";
// Skips only outside CI (pythonCeleryUnavailable and requireRedis throw in CI); the reason is printed.
if (unavailable) console.warn(`celery-interop tests skipped: ${unavailable}`);

/** What the Python side saw for one task id. */
interface PythonView {
  state: string;
  value?: unknown;
  info?: unknown;
  exc_type?: string;
  exc_class_module?: string;
  exc_message?: string;
  traceback?: string | null;
  date_done?: string | null;
}

// Reads each id with Celery's AsyncResult: .state, then .get(timeout) (or .info when not ready).
const READ_RESULTS = `
import json, sys
from celery import Celery
from celery import states
app = Celery(backend=sys.argv[1])
timeout = float(sys.argv[2])
out = {}
for tid in sys.argv[3:]:
    r = app.AsyncResult(tid)
    view = {"state": r.state}
    if r.state in states.READY_STATES or r.state == states.PENDING:
        try:
            view["value"] = r.get(timeout=timeout)
        except Exception as e:
            view["exc_type"] = type(e).__name__
            view["exc_class_module"] = type(e).__module__
            view["exc_message"] = str(e)
        view["state"] = r.state
        view["traceback"] = r.traceback
        view["date_done"] = None if r.date_done is None else r.date_done.isoformat()
    else:
        view["info"] = r.info
    out[tid] = view
print(json.dumps(out))
`;

async function readWithCelery(ids: string[], timeoutS = 5): Promise<Record<string, PythonView>> {
  const { stdout } = await promisify(execFile)(PYTHON, ["-c", READ_RESULTS, `${REDIS_URL}/0`, String(timeoutS), ...ids], { timeout: 30_000 });
  return JSON.parse(stdout) as Record<string, PythonView>;
}

describe.skipIf(Boolean(unavailable))("Python Celery reads RedisBackend results", () => {
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;
  let backend: RedisBackend;
  const written: string[] = [];

  beforeAll(async () => {
    bridge = await startBridge();
    direct = await connectDirect();
    // No prefix: Debian's Celery 5.2 has no global_keyprefix, and results must land exactly at celery-task-meta-<id>.
    backend = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 600_000 });
  });
  afterAll(async () => {
    if (written.length) await direct?.del(written.map((id) => backend.keys.result(id)));
    await direct?.close();
    await bridge?.close();
  });

  const store = async (m: TaskMeta) => {
    written.push(m.task_id);
    expect(await backend.storeMeta(m, 600_000)).toBe(true);
  };

  it("a SUCCESS stored by celeriac reads in Celery as SUCCESS with the same value", async () => {
    const id = crypto.randomUUID();
    const value = { messageId: "m-1", tags: ["a", "b"], count: 3, ratio: 0.5, ok: true, none: null, text: "héllo ✓" };
    await store(meta(id, SUCCESS, value));
    const view = (await readWithCelery([id]))[id];
    expect(view.state).toBe(SUCCESS);
    expect(view.value).toEqual(value);
    expect(view.date_done).toMatch(/^2023-11-14T22:13:20(\.0+)?(\+00:00)?$/);
  });

  it("a FAILURE stored by celeriac raises in Celery with the exception type name and message", async () => {
    const id = crypto.randomUUID();
    const traceback = "HttpError: 503 from upstream\n    at send (functions/email.ts:10:5)";
    await store(meta(id, FAILURE, { exc_type: "HttpError", exc_message: ["503 from upstream"], exc_module: "celeriac" }, { traceback }));
    const view = (await readWithCelery([id]))[id];
    expect(view).toMatchObject({ state: FAILURE, exc_type: "HttpError", exc_message: "503 from upstream", traceback });
  });

  it("a REVOKED result with Celery's own exception module re-raises Celery's TaskRevokedError", async () => {
    const id = crypto.randomUUID();
    written.push(id);
    await backend.revoke(id, meta(id, REVOKED, { exc_type: "TaskRevokedError", exc_message: ["revoked"], exc_module: "celery.exceptions" }), 600_000, "revoked");
    await direct.del(backend.keys.revoked(id));
    const view = (await readWithCelery([id]))[id];
    expect(view).toMatchObject({ state: REVOKED, exc_type: "TaskRevokedError", exc_class_module: "celery.exceptions", exc_message: "revoked" });
  });

  it("a custom PROGRESS state reads in Celery as that state with its meta as info", async () => {
    const id = crypto.randomUUID();
    await store(meta(id, "PROGRESS", { current: 3, total: 10 }));
    expect((await readWithCelery([id]))[id]).toMatchObject({ state: "PROGRESS", info: { current: 3, total: 10 } });
  });

  it("with publishResults, a Celery client already waiting in get() wakes up when the result is stored", async () => {
    const publishing = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 600_000, publishResults: true });
    const id = crypto.randomUUID();
    written.push(id);
    const child = spawn(PYTHON, ["-c", READ_RESULTS, `${REDIS_URL}/0`, "20", id], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    child.stdout.on("data", (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      // Celery subscribes to the result key's channel before it waits: store only once it listens.
      await eventually(async () => {
        const subs = (await direct.pubSubNumSub(publishing.keys.result(id)))[publishing.keys.result(id)];
        expect(subs).toBeGreaterThan(0);
      }, 15_000);
      await publishing.storeMeta(meta(id, SUCCESS, { woke: true }), 600_000);
      expect(await exited).toBe(0);
      expect((JSON.parse(stdout) as Record<string, PythonView>)[id]).toMatchObject({ state: SUCCESS, value: { woke: true } });
    } finally {
      if (child.exitCode === null) child.kill();
    }
  });
});
