/** The Workers adapter in-process: lazy build once per isolate, overrides, and the cron hook. */
import { describe, expect, it, vi } from "vitest";
import { createCloudflareWorker, type WorkersContext, type WorkersScheduledEvent } from "../../src/adapters/cloudflare.ts";
import { MemoryBackend, RecordingBroker } from "../../src/testing/index.ts";
import { silentLogger } from "../../src/config/index.ts";
import { schedule, type Worker } from "../../src/index.ts";
import { createQStashVerifier } from "../../src/qstash.ts";
import * as tasks from "../../functions/index.ts";

const ctx: WorkersContext = { waitUntil() {}, passThroughOnException() {} };
const inCode = () => ({
  backend: new MemoryBackend(),
  broker: new RecordingBroker(),
  verifier: createQStashVerifier({ currentSigningKey: "sig_a0000000000000000000000000", nextSigningKey: "sig_b0000000000000000000000000" }),
});
const healthz = (w: ReturnType<typeof createCloudflareWorker>, env: Record<string, unknown>) => w.fetch(new Request("http://w.test/healthz"), env, ctx);

describe("createCloudflareWorker", () => {
  it("workers adapter needs only the variables of parts not given in code", async () => {
    const w = createCloudflareWorker({ tasks, ...inCode() });
    const res = await healthz(w, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t", SOME_KV: { get() {} } });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, backend: "memory", tasks: 12 });
  });

  it("workers adapter builds the worker once per isolate, from the first event's env", async () => {
    const w = createCloudflareWorker({ tasks, ...inCode() });
    expect((await healthz(w, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t" })).status).toBe(200);
    // Later events reuse the worker: the env is not read again.
    expect((await healthz(w, {})).status).toBe(200);
  });

  it("workers adapter keeps answering 500 with the list (and logs it) until the variables are set", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const w = createCloudflareWorker({ tasks, ...inCode() });
    const first = await healthz(w, {});
    expect(first.status).toBe(500);
    expect(log).toHaveBeenCalledWith(expect.stringContaining("CELERIAC_API_TOKEN is missing"));
    log.mockRestore();
    expect(((await first.json()) as { error: string }).error).toMatch(/CELERIAC_URL is missing.*\[vars\] in wrangler\.toml/);
    expect((await healthz(w, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t" })).status).toBe(200);
  });

  it("workers adapter hands each cron event to onScheduled with the built worker", async () => {
    const seen: { cron: string; worker: Worker }[] = [];
    const w = createCloudflareWorker({ tasks, ...inCode(), onScheduled: (event, _env, _ctx, worker) => void seen.push({ cron: event.cron, worker }) });
    const event: WorkersScheduledEvent = { cron: "*/5 * * * *", scheduledTime: Date.parse("2026-01-01T00:05:00Z") };
    await w.scheduled(event, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t" }, ctx);
    expect(seen).toHaveLength(1);
    expect(seen[0].cron).toBe("*/5 * * * *");
    expect(seen[0].worker.runtime.registry.names()).toContain("math_add");
  });

  it("workers adapter without schedules acknowledges cron events", async () => {
    const w = createCloudflareWorker({ tasks: [tasks.add], ...inCode() });
    await expect(w.scheduled({ cron: "0 * * * *", scheduledTime: 0 }, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t" }, ctx)).resolves.toBeUndefined();
  });

  it("workers adapter publishes the schedules due when a cron trigger fires", async () => {
    const parts = inCode();
    const every5 = schedule({ name: "bench_add_every_5m", cron: "*/5 * * * *", task: tasks.add, input: { a: 1, b: 2 } });
    const hourly = schedule({ name: "bench_add_hourly", cron: "0 * * * *", task: tasks.add, input: { a: 3, b: 4 } });
    const w = createCloudflareWorker({ tasks: [tasks.add], schedules: [every5, hourly], logger: silentLogger, ...parts });
    await w.scheduled({ cron: "*/5 * * * *", scheduledTime: Date.parse("2026-01-01T00:05:00Z") }, { CELERIAC_URL: "http://w.test", CELERIAC_API_TOKEN: "t" }, ctx);
    const published = parts.broker.take();
    expect(published).toHaveLength(1);
    expect(published[0].url).toBe("http://w.test/tasks/math_add");
    expect(JSON.parse(published[0].body)).toMatchObject({ task: "math_add", input: { a: 1, b: 2 } });
  });
});
