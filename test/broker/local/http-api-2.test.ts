import { QstashError, Receiver } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { useBrokerAndReceiver, waitFor, type TestBroker, type TestReceiver } from "./helpers.ts";

let b: TestBroker;
let r: TestReceiver;
useBrokerAndReceiver(Date.UTC(2030, 0, 1, 0, 0, 0), (x) => ({ b, r } = x), { clearBroker: true });

const fail = () => new Response("boom", { status: 500 });

async function intoDlq(n: number, extra: { label?: string } = {}): Promise<string[]> {
  r.reply = fail;
  const ids = [];
  for (let i = 0; i < n; i++) ids.push((await b.client.publish({ url: `${r.url}/dlq/${i}`, body: `b${i}`, retries: 0, ...extra })).messageId);
  await b.broker.runDue();
  r.reply = () => new Response("ok");
  return ids;
}

describe("schedules", () => {
  it("creates with CRON_TZ, reads back the exact shape, pauses, resumes, overwrites by id and deletes", async () => {
    const { scheduleId } = await b.client.schedules.create({
      destination: `${r.url}/s`,
      cron: "CRON_TZ=Europe/Istanbul 0 9 * * * ",
      headers: { "test-header": "test-value", "Upstash-Forward-bypass-tunnel-reminder": "client-test" },
      delay: 10,
      retries: 5,
      scheduleId: "my.sched-1",
      label: ["l1", "l2"],
      flowControl: { key: "fk", rate: 5, period: "1d" },
    });
    expect(scheduleId).toBe("my.sched-1");
    const s = await b.client.schedules.get(scheduleId);
    expect(s).toMatchObject({ scheduleId, cron: "CRON_TZ=Europe/Istanbul 0 9 * * *", destination: `${r.url}/s`, method: "POST", delay: 10, retries: 5, isPaused: false, labels: ["l1", "l2"], flowControlKey: "fk", rate: 5, period: 86400 });
    expect(s.header).toEqual({ "Bypass-Tunnel-Reminder": ["client-test"], "Content-Type": ["application/json"], "Test-Header": ["test-value"] });
    expect(s.nextScheduleTime).toBe(Date.UTC(2030, 0, 1, 6, 0, 0)); // 09:00 in Istanbul (UTC+3)
    await b.client.schedules.pause({ schedule: scheduleId });
    expect((await b.client.schedules.get(scheduleId)).isPaused).toBe(true);
    await b.client.schedules.resume({ schedule: scheduleId });
    expect((await b.client.schedules.get(scheduleId)).isPaused).toBe(false);
    await b.client.schedules.create({ destination: `${r.url}/s2`, cron: "*/10 * * * *", scheduleId });
    const replaced = await b.client.schedules.get(scheduleId);
    expect(replaced).toMatchObject({ destination: `${r.url}/s2`, cron: "*/10 * * * *", retries: 3 });
    expect(replaced.body).toBeUndefined();
    expect((await b.client.schedules.list()).map((x) => x.scheduleId)).toEqual([scheduleId]);
    await b.client.schedules.delete(scheduleId);
    await expect(b.client.schedules.get(scheduleId)).rejects.toThrow(QstashError);
  });

  it("fires on each trigger with Upstash-Schedule-Id, records lastScheduleStates, and stays quiet while paused", async () => {
    const { scheduleId } = await b.client.schedules.create({ destination: `${r.url}/tick`, cron: "*/5 * * * *", body: "tick" });
    expect(scheduleId).toMatch(/^scd_/);
    await b.broker.advance(5 * 60_000);
    expect(r.deliveries).toHaveLength(1);
    expect(r.deliveries[0].headers.get("upstash-schedule-id")).toBe(scheduleId);
    expect(r.deliveries[0].verified).toBe(true);
    const s = await b.client.schedules.get(scheduleId);
    expect(Object.values(s.lastScheduleStates ?? {})).toEqual(["SUCCESS"]);
    expect(s.nextScheduleTime! - s.lastScheduleTime!).toBe(5 * 60_000);
    await b.client.schedules.pause({ schedule: scheduleId });
    await b.broker.advance(15 * 60_000);
    expect(r.deliveries).toHaveLength(1);
    await b.client.schedules.resume({ schedule: scheduleId });
    await b.broker.advance(5 * 60_000);
    expect(r.deliveries).toHaveLength(2);
  });

  it("rejects a bad cron and a bad schedule id with 400", async () => {
    for (const req of [
      { destination: `${r.url}/x`, cron: "not a cron" },
      { destination: `${r.url}/x`, cron: "0 0 * * * *" },
      { destination: `${r.url}/x`, cron: "CRON_TZ=Mars/Olympus 0 0 * * *" },
      { destination: `${r.url}/x`, cron: "* * * * *", scheduleId: "bad id!" },
    ]) {
      const err = await b.client.schedules.create(req).catch((e: QstashError) => e);
      expect((err as QstashError).status).toBe(400);
    }
  });
});

describe("DLQ", () => {
  it("pages with a cursor that is absent on the last page", async () => {
    await intoDlq(3);
    const first = await b.client.dlq.listMessages({ count: 2 });
    expect(first.messages).toHaveLength(2);
    expect(first.cursor).toBeTruthy();
    const second = await b.client.dlq.listMessages({ count: 2, cursor: first.cursor });
    expect(second.messages).toHaveLength(1);
    expect(second.cursor).toBeUndefined();
    expect(new Set([...first.messages, ...second.messages].map((m) => m.dlqId)).size).toBe(3);
  });

  it("filters by label and url, deletes one (404 the second time) and many", async () => {
    const [a] = await intoDlq(1, { label: "red" });
    await intoDlq(2, { label: "blue" });
    const red = await b.client.dlq.listMessages({ filter: { label: "red" } });
    expect(red.messages.map((m) => m.messageId)).toEqual([a]);
    const byUrl = await b.client.dlq.listMessages({ filter: { url: `${r.url}/dlq/1` } });
    expect(byUrl.messages).toHaveLength(1);
    await b.client.dlq.delete(red.messages[0].dlqId);
    await expect(b.client.dlq.delete(red.messages[0].dlqId)).rejects.toThrow(QstashError);
    const all = await b.client.dlq.listMessages();
    expect(await b.client.dlq.delete(all.messages.map((m) => m.dlqId))).toEqual({ deleted: 2 });
  });

  it("retries entries as new messages that leave the DLQ and get delivered", async () => {
    const [original] = await intoDlq(1);
    const { messages } = await b.client.dlq.listMessages();
    const { responses } = await b.client.dlq.retry(messages[0].dlqId);
    expect(responses).toHaveLength(1);
    expect(responses[0].messageId).not.toBe(original);
    await b.broker.runDue();
    expect(r.deliveries.at(-1)).toMatchObject({ body: "b0", verified: true });
    expect((await b.client.dlq.listMessages()).messages).toHaveLength(0);
    await expect(b.client.dlq.delete(messages[0].dlqId)).rejects.toThrow(QstashError);
  });

  it("retry({ all: true }) empties the DLQ", async () => {
    await intoDlq(2);
    const res = await b.client.dlq.retry({ all: true });
    expect(res.responses).toHaveLength(2);
    expect(res.cursor).toBeUndefined();
    await b.broker.runDue();
    expect((await b.client.dlq.listMessages()).messages).toHaveLength(0);
  });
});

describe("logs", () => {
  it("lists a message's lifecycle newest first, filters by state and label, and pages with a cursor", async () => {
    r.reply = (_d, nth) => (nth === 1 ? fail() : new Response("ok"));
    const { messageId } = await b.client.publish({ url: `${r.url}/log`, body: "x", label: "audit" });
    await b.broker.runDue();
    await b.broker.advance(13_000);
    const { logs } = await b.client.logs({ filter: { messageId } });
    expect(logs.map((l) => l.state)).toEqual(["DELIVERED", "ACTIVE", "RETRY", "ERROR", "ACTIVE", "CREATED"]);
    expect(logs[0]).toMatchObject({ messageId, url: `${r.url}/log`, labels: ["audit"], body: Buffer.from("x").toString("base64") });
    expect(logs.find((l) => l.state === "RETRY")!.nextDeliveryTime).toBeGreaterThan(logs.find((l) => l.state === "ERROR")!.time);
    const delivered = await b.client.logs({ filter: { state: "DELIVERED", label: "audit" } });
    expect(delivered.logs.map((l) => l.messageId)).toEqual([messageId]);
    const page1 = await b.client.logs({ filter: { messageId }, count: 4 } as never);
    expect(page1.logs).toHaveLength(4);
    expect(page1.cursor).toBeTruthy();
    const page2 = await b.client.logs({ filter: { messageId }, count: 4, cursor: page1.cursor } as never);
    expect(page2.logs.map((l) => l.state)).toEqual(["ACTIVE", "CREATED"]);
    expect(page2.cursor).toBeUndefined();
    const events = await b.client.events({ filter: { messageId } } as never);
    expect(events.events).toHaveLength(6);
  });
});

describe("flow control", () => {
  it("enforces rate per period, shows the wait list, and pin/unpin/resetRate/pause/resume act on the key", async () => {
    for (let i = 0; i < 5; i++) await b.client.publish({ url: `${r.url}/fc`, body: String(i), flowControl: { key: "fc1", rate: 2, period: 10 } });
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(2);
    expect(await b.client.flowControl.get("fc1")).toMatchObject({ flowControlKey: "fc1", waitListSize: 3, rateMax: 2, rateCount: 2, ratePeriod: 10, isPaused: false, isPinnedRate: false });
    await b.broker.advance(10_000);
    expect(r.deliveries).toHaveLength(4);
    await b.client.flowControl.pin("fc1", { rate: 1 });
    expect(await b.client.flowControl.get("fc1")).toMatchObject({ rateMax: 1, isPinnedRate: true, isPinnedParallelism: false });
    await b.client.flowControl.unpin("fc1", { rate: true });
    expect(await b.client.flowControl.get("fc1")).toMatchObject({ rateMax: 2, isPinnedRate: false });
    await b.client.flowControl.resetRate("fc1");
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(5);
    expect((await b.client.flowControl.get("fc1")).rateCount).toBe(1);
    await b.client.flowControl.pause("fc1");
    await b.client.publish({ url: `${r.url}/fc`, body: "p", flowControl: { key: "fc1", rate: 2, period: 10 } });
    await b.broker.advance(20_000);
    expect(r.deliveries).toHaveLength(5);
    expect(await b.client.flowControl.get("fc1")).toMatchObject({ isPaused: true, waitListSize: 1 });
    await b.client.flowControl.resume("fc1");
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(6);
    await expect(b.client.flowControl.get("never-used")).rejects.toThrow(QstashError);
    expect(await b.client.flowControl.getGlobalParallelism()).toEqual({ parallelismMax: 64, parallelismCount: 0 });
  });

  it("never runs more than the key's parallelism at once", async () => {
    let inflight = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    r.reply = async () => {
      inflight++;
      peak = Math.max(peak, inflight);
      await new Promise<void>((res) => gates.push(res)); // held until the test lets it answer
      inflight--;
      return new Response("ok");
    };
    for (let i = 0; i < 6; i++) await b.client.publish({ url: `${r.url}/par`, body: String(i), flowControl: { key: "fc-par", parallelism: 2 } });
    const running = b.broker.runDue();
    // The key's 2 slots fill: wait until 2 requests are held at once, then let them answer one by one.
    await waitFor(() => gates.length >= 2, 10_000, "2 requests held at once");
    expect(gates.length).toBe(2);
    for (let released = 0; released < 6; released++) {
      await waitFor(() => gates.length > 0, 10_000, "a held request");
      expect(inflight).toBeLessThanOrEqual(2);
      gates.shift()!();
    }
    await running;
    expect(r.deliveries).toHaveLength(6);
    expect(peak).toBe(2);
  });
});

describe("callbacks", () => {
  it("calls the callback after every attempt and the failure callback once, signed for their own URLs", async () => {
    r.reply = (d) => (d.url.endsWith("/work") ? new Response("nope", { status: 500, headers: { "X-Why": "down" } }) : new Response("ok"));
    const { messageId } = await b.client.publish({
      url: `${r.url}/work`,
      body: "payload",
      retries: 1,
      callback: `${r.url}/cb`,
      failureCallback: `${r.url}/fcb`,
      headers: { "X-Src": "s" },
    });
    await b.broker.runDue();
    await b.broker.advance(13_000);
    const cbs = r.deliveries.filter((d) => d.url.endsWith("/cb")).map((d) => JSON.parse(d.body));
    const fcbs = r.deliveries.filter((d) => d.url.endsWith("/fcb")).map((d) => JSON.parse(d.body));
    expect(cbs).toHaveLength(2);
    expect(fcbs).toHaveLength(1);
    expect(cbs[0]).toMatchObject({ status: 500, sourceMessageId: messageId, url: `${r.url}/work`, method: "POST", maxRetries: 1, sourceBody: Buffer.from("payload").toString("base64"), body: Buffer.from("nope").toString("base64") });
    expect(cbs[0].retried).toBeUndefined();
    expect(cbs[1].retried).toBe(1);
    expect(cbs[0].header["X-Why"]).toEqual(["down"]);
    expect(cbs[0].sourceHeader["X-Src"]).toEqual(["s"]);
    const { messages } = await b.client.dlq.listMessages({ filter: { messageId } });
    expect(fcbs[0]).toMatchObject({ sourceMessageId: messageId, dlqId: messages[0].dlqId, retried: 1 });
    expect(r.deliveries.filter((d) => !d.url.endsWith("/work")).every((d) => d.verified && d.headers.get("content-type") === "application/json")).toBe(true);
  });

  it("applies Upstash-Callback-* settings to the callback message", async () => {
    const res = await fetch(`${b.url}/v2/publish/${r.url}/ok`, {
      method: "POST",
      body: "x",
      headers: { authorization: `Bearer ${b.broker.token}`, "upstash-callback": `${r.url}/cb2`, "upstash-callback-forward-x-cb": "yes", "upstash-callback-method": "PUT" },
    });
    expect(res.status).toBe(201);
    await b.broker.runDue();
    const cb = r.deliveries.find((d) => d.url.endsWith("/cb2"))!;
    expect(cb.method).toBe("PUT");
    expect(cb.headers.get("x-cb")).toBe("yes");
    expect(JSON.parse(cb.body).status).toBe(200);
  });
});

describe("signing keys", () => {
  it("rotates: next becomes current, deliveries are signed with it, and /v2/keys/rotate answers the new pair", async () => {
    const before = b.broker.keys;
    const after = b.broker.rotateKeys();
    expect(after.current).toBe(before.next);
    expect(after.next).toMatch(/^sig_/);
    await b.client.publish({ url: `${r.url}/rot`, body: "x" });
    await b.broker.runDue();
    const d = r.deliveries[0];
    const onlyOld = new Receiver({ currentSigningKey: before.current, nextSigningKey: before.current, devMode: false });
    await expect(onlyOld.verify({ signature: d.headers.get("upstash-signature")!, body: "x", clockTolerance: 1e10 })).rejects.toThrow();
    expect(d.verified).toBe(true);
    const res = await fetch(`${b.url}/v2/keys/rotate`, { method: "POST", headers: { authorization: `Bearer ${b.broker.token}` } });
    const rotated = await res.json();
    expect(rotated.current).toBe(after.next);
  });
});
