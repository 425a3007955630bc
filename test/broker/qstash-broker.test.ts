import { beforeAll, describe, expect, it } from "vitest";
import { BrokerError } from "../../src/errors.ts";
import type { Broker } from "../../src/broker/broker.ts";
import { QStashBroker } from "../../src/broker/qstash.ts";
import { QStashFetchBroker } from "../../src/broker/qstash-fetch.ts";
import { useBrokerAndReceiver, type TestBroker, type TestReceiver } from "./local/helpers.ts";

let b: TestBroker;
let r: TestReceiver;
useBrokerAndReceiver(Date.UTC(2030, 5, 1), (x) => ({ b, r } = x));

// One contract suite for the Broker port: QStashBroker (official client over HTTP),
// QStashFetchBroker (fetch only, the Workers default) and the local broker's direct port must
// behave the same.
const implementations: [string, () => Required<Broker>][] = [
  ["QStashBroker → local broker over HTTP", () => new QStashBroker({ token: b.broker.token, baseUrl: b.url })],
  ["QStashFetchBroker → local broker over HTTP", () => new QStashFetchBroker({ token: b.broker.token, baseUrl: b.url }) as Required<Broker>],
  ["LocalBroker.direct", () => b.broker.direct as Required<Broker>],
];

for (const [name, make] of implementations) describe(`${name} (Broker port contract)`, () => {
  let broker: Required<Broker>;
  beforeAll(() => {
    broker = make();
  });

  it("publishes a JSON envelope with delay, retries, timeout, label, flow control and headers", async () => {
    const { messageId, deduplicated } = await broker.publish({
      url: `${r.url}/tasks/main_send_email`,
      body: '{"v":1,"id":"t1"}',
      headers: { "Celeriac-Task": "main_send_email" },
      delaySec: 30,
      retries: 2,
      timeoutSec: 20,
      label: "main_send_email",
      flowControl: { key: "main_send_email", rate: 100, periodSec: 60, parallelism: 4 },
    });
    expect(deduplicated).toBeUndefined();
    const m = await b.client.messages.get(messageId);
    expect(m).toMatchObject({ maxRetries: 2, flowControlKey: "main_send_email", rate: 100, period: 60, parallelism: 4, labels: ["main_send_email"] });
    expect(m.header).toMatchObject({ "Content-Type": ["application/json"], "Celeriac-Task": ["main_send_email"] });
    expect(m.notBefore).toBe(b.broker.now() + 30_000);
    await b.broker.advance(30_000);
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0]).toMatchObject({ body: '{"v":1,"id":"t1"}', verified: true });
    expect(r.deliveries[0].headers.get("celeriac-task")).toBe("main_send_email");
  });

  it("lets notBefore win over delaySec", async () => {
    const notBefore = Math.floor(b.broker.now() / 1000) + 100;
    const { messageId } = await broker.publish({ url: `${r.url}/nb`, body: "{}", delaySec: 5, notBefore });
    expect((await b.client.messages.get(messageId)).notBefore).toBe(notBefore * 1000);
    await broker.cancel(messageId);
  });

  it("reports a duplicate deduplicationId as deduplicated with the first id", async () => {
    const first = await broker.publish({ url: `${r.url}/d`, body: "{}", deduplicationId: "task-1", delaySec: 60 });
    const second = await broker.publish({ url: `${r.url}/d`, body: "{}", deduplicationId: "task-1", delaySec: 60 });
    expect(second).toEqual({ messageId: first.messageId, deduplicated: true });
    await broker.cancel(first.messageId);
  });

  it("enqueues on a named queue", async () => {
    const { messageId } = await broker.publish({ url: `${r.url}/q`, body: "{}", queue: "celeriac-default", delaySec: 60 });
    expect((await b.client.messages.get(messageId)).queueName).toBe("celeriac-default");
    expect(await broker.cancel(messageId)).toBe(true);
  });

  it("cancels a pending message once: true, then false", async () => {
    const { messageId } = await broker.publish({ url: `${r.url}/c`, body: "{}", delaySec: 60 });
    expect(await broker.cancel(messageId)).toBe(true);
    expect(await broker.cancel(messageId)).toBe(false);
    await b.broker.advance(120_000);
    expect(r.deliveries).toHaveLength(0);
  });

  it("upserts, lists and deletes schedules", async () => {
    const id = await broker.upsertSchedule({ scheduleId: "celeriac.beat.report", cron: "0 * * * *", url: `${r.url}/tasks/report`, body: '{"v":1}', retries: 1, headers: { "Celeriac-Task": "report" } });
    expect(id).toBe("celeriac.beat.report");
    await broker.upsertSchedule({ scheduleId: "celeriac.beat.paused", cron: "0 0 * * *", url: `${r.url}/tasks/p`, isPaused: true });
    const list = await broker.listSchedules();
    const report = list.find((s) => s.scheduleId === id)!;
    expect(report).toMatchObject({ cron: "0 * * * *", url: `${r.url}/tasks/report`, body: '{"v":1}', retries: 1, isPaused: false });
    expect(report.headers!["Celeriac-Task"]).toBe("report");
    expect(list.find((s) => s.scheduleId === "celeriac.beat.paused")!.isPaused).toBe(true);
    await broker.deleteSchedule(id);
    await broker.deleteSchedule(id);
    expect((await broker.listSchedules()).map((s) => s.scheduleId)).toEqual(["celeriac.beat.paused"]);
    await broker.deleteSchedule("celeriac.beat.paused");
  });

  it("turns a refused publish into a BrokerError with the status", async () => {
    const err = await broker.publish({ url: "ftp://nope", body: "{}" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as BrokerError).status).toBe(400);
    expect((err as Error).message).toMatch(/invalid scheme/);
  });
});

for (const [name, Impl] of [["QStashBroker", QStashBroker], ["QStashFetchBroker", QStashFetchBroker]] as const) describe(name, () => {
  it("reports a wrong token as a BrokerError with status 401", async () => {
    const bad = new Impl({ token: "wrong", baseUrl: b.url });
    const err = (await bad.publish({ url: `${r.url}/x`, body: "{}" }).catch((e: unknown) => e)) as BrokerError;
    expect(err).toBeInstanceOf(BrokerError);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/Check QSTASH_URL and QSTASH_TOKEN/);
  });

  it("reports an unreachable broker as a BrokerError without a status", async () => {
    const down = new Impl({ token: "t", baseUrl: "http://127.0.0.1:1", networkRetries: 0 });
    const err = (await down.publish({ url: `${r.url}/x`, body: "{}" }).catch((e: unknown) => e)) as BrokerError;
    expect(err).toBeInstanceOf(BrokerError);
    expect(err.status).toBeUndefined();
  });
});
