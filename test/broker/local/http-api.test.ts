import { QstashError } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { useBrokerAndReceiver, type TestBroker, type TestReceiver } from "./helpers.ts";

// Conformance through the official client 2.12 only; a fake clock makes time exact.
let b: TestBroker;
let r: TestReceiver;
useBrokerAndReceiver(Date.UTC(2030, 0, 1, 0, 0, 0), (x) => ({ b, r } = x), { clearBroker: true });

const paths = () => r.deliveries.map((d) => new URL(d.url).pathname);

describe("URL groups", () => {
  it("adds endpoints, fans a publish out to each with Upstash-Topic-Name, and answers an array", async () => {
    await b.client.urlGroups.addEndpoints({ name: "grp", endpoints: [{ name: "e1", url: `${r.url}/g1` }, { url: `${r.url}/g2` }] });
    const group = await b.client.urlGroups.get("grp");
    expect(group.endpoints).toEqual([{ name: "e1", url: `${r.url}/g1` }, { url: `${r.url}/g2` }]);
    expect((await b.client.urlGroups.list()).map((g) => g.name)).toContain("grp");
    const res = await b.client.publishJSON({ urlGroup: "grp", body: { x: 1 } });
    expect(Array.isArray(res)).toBe(true);
    expect((res as { url: string }[]).map((x) => x.url)).toEqual([`${r.url}/g1`, `${r.url}/g2`]);
    await b.broker.runDue();
    expect(paths().sort()).toEqual(["/g1", "/g2"]);
    expect(r.deliveries.every((d) => d.verified && d.headers.get("upstash-topic-name") === "grp")).toBe(true);
    await b.client.urlGroups.removeEndpoints({ name: "grp", endpoints: [{ name: "e1" }] });
    expect((await b.client.urlGroups.get("grp")).endpoints).toEqual([{ url: `${r.url}/g2` }]);
    await b.client.urlGroups.delete("grp");
    await expect(b.client.urlGroups.get("grp")).rejects.toThrow(QstashError);
  });

  it("answers 404 for a publish to an unknown group", async () => {
    const err = await b.client.publish({ urlGroup: "nope", body: "x" }).catch((e: QstashError) => e);
    expect((err as QstashError).status).toBe(404);
  });
});

describe("queues", () => {
  it("upserts, gets, lists, pauses (messages wait, lag counts them), resumes and deletes", async () => {
    const q = b.client.queue({ queueName: "q-pause" });
    await q.upsert({ parallelism: 2 });
    expect(await q.get()).toMatchObject({ name: "q-pause", parallelism: 2, paused: false, lag: 0 });
    await q.pause();
    await q.enqueueJSON({ url: `${r.url}/qp`, body: { n: 1 } });
    await q.enqueueJSON({ url: `${r.url}/qp`, body: { n: 2 } });
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(0);
    expect(await q.get()).toMatchObject({ paused: true, lag: 2 });
    await q.resume();
    await b.broker.runDue();
    // parallelism 2: both start at once, so their arrival order is the network's, not the queue's
    expect(r.deliveries.map((d) => d.body).sort()).toEqual(['{"n":1}', '{"n":2}']);
    expect((await q.get()).lag).toBe(0);
    expect((await b.client.queue().list()).map((x) => x.name)).toContain("q-pause");
    await q.delete();
    await expect(q.get()).rejects.toThrow(QstashError);
  });

  it("upsert({ paused: true }) pauses too, and enqueue auto-creates a queue with parallelism 1", async () => {
    await b.client.queue({ queueName: "q-up" }).upsert({ paused: true });
    expect((await b.client.queue({ queueName: "q-up" }).get()).paused).toBe(true);
    await b.client.queue({ queueName: "q-auto" }).enqueue({ url: `${r.url}/auto`, body: "x" });
    expect(await b.client.queue({ queueName: "q-auto" }).get()).toMatchObject({ parallelism: 1, paused: false });
    await b.broker.runDue();
  });

  it("keeps FIFO order with parallelism 1: the next message waits while the first one retries", async () => {
    r.reply = (d) => (d.body === "m1" && r.deliveries.filter((x) => x.body === "m1").length === 1 ? new Response("no", { status: 500 }) : new Response("ok"));
    const q = b.client.queue({ queueName: "fifo" });
    for (const body of ["m1", "m2", "m3"]) await q.enqueue({ url: `${r.url}/fifo`, body });
    await b.broker.runDue();
    expect(r.deliveries.map((d) => d.body)).toEqual(["m1"]);
    await b.broker.advance(13_000);
    expect(r.deliveries.map((d) => d.body)).toEqual(["m1", "m1", "m2", "m3"]);
    expect(r.deliveries.map((d) => d.headers.get("upstash-retried"))).toEqual(["0", "1", "0", "0"]);
  });
});

describe("batch", () => {
  it("publishes each item (queue, URL group as a nested array) and answers one element per item", async () => {
    await b.client.urlGroups.addEndpoints({ name: "bgrp", endpoints: [{ url: `${r.url}/bg1` }, { url: `${r.url}/bg2` }] });
    const res = await b.client.batchJSON([
      { url: `${r.url}/b1`, body: { i: 1 }, queueName: "bq" },
      { urlGroup: "bgrp", body: { i: 2 } },
    ]);
    expect(res).toHaveLength(2);
    expect((res[0] as { messageId: string }).messageId).toMatch(/^msg_/);
    expect(res[1]).toHaveLength(2);
    await b.broker.runDue();
    expect(paths().sort()).toEqual(["/b1", "/bg1", "/bg2"]);
    expect(r.deliveries.every((d) => d.headers.get("content-type") === "application/json" && d.verified)).toBe(true);
    await b.client.urlGroups.delete("bgrp");
  });
});

describe("messages", () => {
  it("cancels by ids, by filter and all, answering {cancelled}", async () => {
    const ids = [];
    for (const label of ["a", "a", "b", "c"]) ids.push((await b.client.publish({ url: `${r.url}/c`, body: "x", delay: 60, label })).messageId);
    expect(await b.client.messages.cancel([ids[0], "msg_unknown"])).toEqual({ cancelled: 1 });
    expect(await b.client.messages.cancel({ filter: { label: "a" } })).toEqual({ cancelled: 1 });
    expect(await b.client.messages.cancel({ all: true })).toEqual({ cancelled: 2 });
    await b.broker.advance(120_000);
    expect(r.deliveries).toHaveLength(0);
  });

  it("deduplicates by content (destination, body, content type, forwarded headers)", async () => {
    const a = await b.client.publish({ url: `${r.url}/cd`, body: "same", contentBasedDeduplication: true });
    const again = await b.client.publish({ url: `${r.url}/cd`, body: "same", contentBasedDeduplication: true });
    const other = await b.client.publish({ url: `${r.url}/cd`, body: "different", contentBasedDeduplication: true });
    expect(again).toEqual({ messageId: a.messageId, deduplicated: true });
    expect(other.messageId).not.toBe(a.messageId);
    await b.broker.runDue();
    expect(r.deliveries.map((d) => d.body)).toEqual(["same", "different"]);
  });
});
