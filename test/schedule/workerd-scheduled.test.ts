/**
 * The Cloudflare engine in workerd: functions/worker.ts under wrangler's dev server (the runtime
 * smoke tests' setup, test/runtime/services.ts), a cron event fired through workerd's
 * scheduled-event trigger (`/cdn-cgi/handler/scheduled?cron=…&time=…`, what `wrangler dev
 * --test-scheduled` exposes), and the run it publishes pushed back by the local broker.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { officialClient, brokerEvents } from "../support/broker-view.ts";
import { freePort, ROOT, type Services, startServices, waitFor, waitHealthy } from "../runtime/services.ts";
import { reportEvery10Minutes } from "../../functions/schedules.ts";
import { wranglerCrons } from "../../src/schedule/cloudflare-crons.ts";

process.env.WRANGLER_SEND_METRICS = "false";
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV = "false";

type DevWorker = { ready: Promise<void>; dispose(): Promise<void> };

let services: Services | undefined;
let worker: DevWorker | undefined;
let selfUrl: string;

beforeAll(async () => {
  services = await startServices("workerd-cron");
  if (!services) return;
  const port = await freePort();
  selfUrl = `http://127.0.0.1:${port}`;
  const { unstable_startWorker } = await import("wrangler");
  worker = (await unstable_startWorker({
    config: join(ROOT, "wrangler.toml"),
    envFiles: ["test/runtime/no-such.env"],
    bindings: Object.fromEntries(Object.entries(services.env(selfUrl)).map(([k, value]) => [k, { type: "plain_text", value }])),
    sendMetrics: false,
    dev: { server: { hostname: "127.0.0.1", port }, inspector: false, watch: false, persist: false, remote: false, logLevel: "error", testScheduled: true },
  })) as unknown as DevWorker;
  await worker.ready;
  await waitHealthy(selfUrl, 20_000);
}, 60_000);

afterAll(async () => {
  await worker?.dispose();
  await services?.close();
});

describe("Workers scheduled handler (workerd)", () => {
  it("a cron event publishes the schedule due at its time, and the broker pushes the run back to the Worker", async (t) => {
    if (!services) return t.skip();
    const cron = wranglerCrons([reportEvery10Minutes])[0];
    expect(cron).toBe("*/10 * * * *");
    const tick = reportEvery10Minutes.clock.next(Date.now())!;
    const fire = (time: number) => fetch(`${selfUrl}/cdn-cgi/handler/scheduled?cron=${encodeURIComponent(cron)}&time=${time}`);

    const offTick = await fire(tick + 60_000); // not a tick of the schedule: nothing to publish
    expect([offTick.status, await offTick.text()]).toEqual([200, "ok"]);
    const res = await fire(tick);
    expect([res.status, await res.text()]).toEqual([200, "ok"]);

    const qstash = officialClient(services.brokerUrl, services.broker.token);
    const taskUrl = `${selfUrl}/tasks/main_prepare_a_massive_report`;
    const id = await waitFor("the scheduled message", 15_000, async () =>
      (await brokerEvents(qstash, taskUrl)).find((e) => e.state === "CREATED")?.envelope?.id);
    const run = services.client(selfUrl).result<{ dataId: number; rows: number }>(id);
    expect(await run.get({ timeoutMs: 20_000 })).toMatchObject({ dataId: 42 });
    const created = (await brokerEvents(qstash, taskUrl)).filter((e) => e.state === "CREATED");
    expect(created).toHaveLength(1); // the off-tick event published nothing

    // The message the Worker published carries the schedule and the event's tick.
    const [message] = (await qstash.logs({ filter: { messageId: created[0].messageId } })).logs as unknown as { body?: string }[];
    const body = message?.body ? JSON.parse(Buffer.from(message.body, "base64").toString("utf8")) : undefined;
    expect(body?.schedule).toEqual({ name: "main_prepare_a_massive_report_every_10m", tick: new Date(tick).toISOString() });
  });
});
