import { spawn, type ChildProcess } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { connectDirect, REDIS_URL, requireRedis } from "../../backend/redis-env.ts";

const redisUp = await requireRedis();
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill("SIGKILL");
  child = undefined;
});

/** Start `celeriac dev` as a user would and wait (deadline 30 s) until it prints its URL. */
async function startDev(args: string[]): Promise<{ url: string; output: () => string }> {
  child = spawn(process.execPath, ["bin/celeriac.mjs", "dev", "--port", "0", ...args], {
    env: { ...process.env, CELERIAC_API_TOKEN: "dev-test-token" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`celeriac dev did not start within 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /celeriac dev server: (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(deadline);
        resolve(m[1]);
      }
    };
    child!.stdout!.on("data", check);
    child!.once("exit", (code) => reject(new Error(`celeriac dev exited with ${code}:\n${out}`)));
  });
  return { url, output: () => out };
}

async function curlRoundTrip(url: string) {
  const auth = { authorization: "Bearer dev-test-token" };
  const sent = await fetch(`${url}/api/tasks/math_add`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ input: { a: 2, b: 3 } }) });
  expect(sent.status).toBe(202);
  const { id, url: resultUrl } = await sent.json();
  let view: { state: string; result?: unknown } = { state: "PENDING" };
  const deadline = Date.now() + 10_000;
  while (view.state !== "SUCCESS" && Date.now() < deadline) view = await fetch(resultUrl, { headers: auth }).then((r) => r.json());
  return { id, view };
}

describe("celeriac dev", () => {
  it("starts with zero infrastructure, prints the curls, and a publish followed by a result read shows SUCCESS", async () => {
    const { url, output } = await startDev([]);
    expect(output()).toContain(`curl -s -X POST ${url}/api/tasks/math_add`);
    const { view } = await curlRoundTrip(url);
    expect(view).toMatchObject({ state: "SUCCESS", result: 5 });
    const page = await fetch(`${url}/`).then((r) => r.text());
    expect(page).toContain("<title>Tasks · celeriac</title>");
  });

  it.runIf(redisUp)("with --redis stores the result in real Redis at Celery's key, with a TTL", async () => {
    const { url } = await startDev(["--redis", REDIS_URL]);
    const { id, view } = await curlRoundTrip(url);
    expect(view.state).toBe("SUCCESS");
    const redis = await connectDirect();
    try {
      const stored = JSON.parse((await redis.get(`celery-task-meta-${id}`)) ?? "null");
      expect(stored).toMatchObject({ status: "SUCCESS", result: 5, task_id: id });
      const ttl = await redis.ttl(`celery-task-meta-${id}`);
      expect(ttl).toBeGreaterThan(86_000);
      await redis.del(`celery-task-meta-${id}`);
    } finally {
      await redis.close();
    }
  });
});
