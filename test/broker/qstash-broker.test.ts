import { beforeAll, describe, expect, it } from "vitest";
import { BrokerError } from "../../src/errors.ts";
import type { Broker } from "../../src/broker/broker.ts";
import { QStashBroker } from "../../src/broker/qstash.ts";
import { QStashFetchBroker } from "../../src/broker/qstash-fetch.ts";
import { freePort } from "../support/ports.ts";
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

  it("lists the delivery log newest first, filtered by label, url and state, with the body as text and a cursor", async () => {
    const label = `task-${crypto.randomUUID()}`;
    r.reply = (_d, nth) => new Response(nth === 1 ? "boom" : "ok", { status: nth === 1 ? 500 : 200 });
    const { messageId } = await broker.publish({ url: `${r.url}/tasks/log_me`, body: '{"v":1,"id":"<log>"}', headers: { "Celeriac-Task": "log_me" }, label, retries: 1 });
    await b.broker.runDue();
    await b.broker.advance(60_000);
    const page = await broker.listLogs({ label });
    expect(page.items.map((e) => e.state)).toEqual(["DELIVERED", "ACTIVE", "RETRY", "ERROR", "ACTIVE", "CREATED"]);
    expect(page.cursor).toBeUndefined();
    const created = page.items[5];
    expect(created).toMatchObject({ messageId, url: `${r.url}/tasks/log_me`, body: '{"v":1,"id":"<log>"}', labels: [label] });
    expect(page.items[3]).toMatchObject({ state: "ERROR", responseStatus: 500, responseBody: "boom" });
    expect(page.items[2].nextDeliveryTime).toBeGreaterThan(created.time);
    expect((await broker.listLogs({ label, state: "DELIVERED" })).items.map((e) => e.state)).toEqual(["DELIVERED"]);
    expect((await broker.listLogs({ url: `${r.url}/tasks/log_me`, messageIds: [messageId] })).items).toHaveLength(6);
    const first = await broker.listLogs({ label, count: 4 });
    expect(first.items).toHaveLength(4);
    const rest = await broker.listLogs({ label, count: 4, cursor: first.cursor });
    expect(rest.items.map((e) => e.state)).toEqual(["ACTIVE", "CREATED"]);
    expect(rest.cursor).toBeUndefined();
  });

  it("lists, retries and deletes DLQ entries", async () => {
    const label = `dlq-${crypto.randomUUID()}`;
    r.reply = () => new Response("nope", { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } });
    await broker.publish({ url: `${r.url}/tasks/fails`, body: '{"n":1}', label });
    await broker.publish({ url: `${r.url}/tasks/fails`, body: '{"n":2}', label });
    await b.broker.runDue();
    const { items, cursor } = await broker.listDlq({ label });
    expect(cursor).toBeUndefined();
    items.sort((x, y) => (x.body! < y.body! ? -1 : 1)); // both failed at the same instant
    expect(items.map((e) => e.body)).toEqual(['{"n":1}', '{"n":2}']);
    expect(items[0]).toMatchObject({ url: `${r.url}/tasks/fails`, responseStatus: 489, responseBody: "nope", labels: [label] });
    expect((await broker.listDlq({ dlqIds: [items[1].dlqId] })).items.map((e) => e.body)).toEqual(['{"n":2}']);
    r.reply = () => new Response("ok");
    const again = await broker.retryDlq(items[0].dlqId);
    expect(again).toBeTypeOf("string");
    expect(again).not.toBe(items[0].messageId);
    expect(await broker.retryDlq(items[0].dlqId)).toBeUndefined();
    await b.broker.runDue();
    expect(r.deliveries.at(-1)!.body).toBe('{"n":1}');
    expect(await broker.deleteDlq(items[1].dlqId)).toBe(true);
    expect(await broker.deleteDlq(items[1].dlqId)).toBe(false);
    expect((await broker.listDlq({ label })).items).toEqual([]);
  });

  it("lists queues with their parallelism and lag", async () => {
    const { messageId } = await broker.publish({ url: `${r.url}/q`, body: "{}", queue: "celeriac-lag", delaySec: 60 });
    const q = (await broker.listQueues()).find((x) => x.name === "celeriac-lag");
    expect(q).toMatchObject({ name: "celeriac-lag", parallelism: 1, lag: 1, paused: false });
    await broker.cancel(messageId);
  });

  it("lists a schedule's next trigger time", async () => {
    await broker.upsertSchedule({ scheduleId: "celeriac.beat.next", cron: "0 * * * *", url: `${r.url}/schedules/next` });
    const s = (await broker.listSchedules()).find((x) => x.scheduleId === "celeriac.beat.next")!;
    const hour = 3_600_000;
    expect(s.nextScheduleTime).toBe(Math.floor(b.broker.now() / hour) * hour + hour);
    await broker.deleteSchedule("celeriac.beat.next");
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
    const down = new Impl({ token: "t", baseUrl: `http://127.0.0.1:${await freePort()}`, networkRetries: 0 }); // a fresh port nothing listens on
    const err = (await down.publish({ url: `${r.url}/x`, body: "{}" }).catch((e: unknown) => e)) as BrokerError;
    expect(err).toBeInstanceOf(BrokerError);
    expect(err.status).toBeUndefined();
  });
});
