import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeDeliver, createNodeSigner } from "../../../src/adapters/node.ts";
import { startBroker, startReceiver, waitFor, type TestBroker, type TestReceiver } from "./helpers.ts";
import { waitFor as waitUntil } from "../../support/wait.ts";

describe("local broker on the real clock", () => {
  let b: TestBroker;
  let r: TestReceiver;
  const deliver = createNodeDeliver();
  // the node:crypto signer on this broker; the other suites use the Web Crypto default

  beforeAll(async () => {
    b = await startBroker({ deliver, createSigner: createNodeSigner, maxConcurrency: 4, retryDelayScale: 0.001 });
    r = await startReceiver(() => b.broker.keys);
  });
  afterAll(async () => {
    await b.close();
    await r.close();
    deliver.close();
  });

  it("delivers as soon as published, through createNodeDeliver (keep-alive sockets), with strict signature checks", async () => {
    const { messageId } = await b.client.publishJSON({ url: `${r.url}/now`, body: { n: 1 } });
    const d = await waitFor(() => r.deliveries.find((x) => x.headers.get("upstash-message-id") === messageId), 5000, "the delivery");
    expect(d.verified).toBe(true);
    expect(d.body).toBe('{"n":1}');
  });

  it("fires its single timer for a delayed message without being driven", async () => {
    const start = Date.now();
    const { messageId } = await b.client.publish({ url: `${r.url}/later`, body: "x", delay: "1s" });
    const d = await waitFor(() => r.deliveries.find((x) => x.headers.get("upstash-message-id") === messageId), 5000, "the delayed delivery");
    expect(d.at - start).toBeGreaterThanOrEqual(990);
  });

  it("never has more than maxConcurrency deliveries in flight during a burst, and delivers them all", async () => {
    let inflight = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    r.reply = async () => {
      inflight++;
      peak = Math.max(peak, inflight);
      await new Promise<void>((resolve) => gates.push(resolve));
      inflight--;
      return new Response("ok");
    };
    const before = r.deliveries.length;
    await b.client.batch(Array.from({ length: 40 }, (_, i) => ({ url: `${r.url}/burst`, body: String(i) })));
    // The broker fills its 4 slots: wait until 4 requests are held (however long the machine takes).
    await waitFor(() => gates.length >= 4, 10_000, "4 requests held at once");
    expect(gates.length).toBe(4);
    for (let released = 0; released < 40; released++) {
      await waitFor(() => gates.length > 0, 10_000, "a held request");
      expect(inflight).toBeLessThanOrEqual(4);
      gates.shift()!();
    }
    await waitFor(() => r.deliveries.length - before === 40 && inflight === 0, 10_000, "all 40 deliveries");
    expect(peak).toBe(4);
    r.reply = () => new Response("ok");
  });

  it("counts an attempt past Upstash-Timeout as failed", async () => {
    const hung: (() => void)[] = [];
    r.reply = (d) => (d.url.endsWith("/slow") ? new Promise<Response>((resolve) => hung.push(() => resolve(new Response("late")))) : new Response("ok"));
    const { messageId } = await b.client.publish({ url: `${r.url}/slow`, body: "x", timeout: "200ms" as never, retries: 0 });
    const found = await waitUntil(async () => (await b.client.dlq.listMessages({ filter: { messageId } })).messages[0], { timeoutMs: 5000, what: "the DLQ entry", intervalMs: 20 });
    hung.forEach((f) => f());
    expect(found).toBeDefined();
    expect((found as unknown as { error?: string }).error).toMatch(/timed out/);
    r.reply = () => new Response("ok");
  });
});

describe("local broker shutdown", () => {
  it("close() cuts in-flight attempts short instead of waiting for a hung destination, and gives the message back", async () => {
    const deliver = createNodeDeliver();
    const b = await startBroker({ deliver, createSigner: createNodeSigner });
    const r = await startReceiver(() => b.broker.keys);
    const hung: (() => void)[] = [];
    r.reply = () => new Promise<Response>((resolve) => hung.push(() => resolve(new Response("late"))));
    const { messageId } = await b.client.publish({ url: `${r.url}/hang`, body: "x" });
    await waitFor(() => r.deliveries.length === 1, 5000, "the attempt to start");
    await b.close();
    const back = await b.broker.store.messages.get(messageId);
    expect(back?.retried).toBe(0);
    expect(await b.broker.store.messages.nextDueAt()).toBeDefined();
    hung.forEach((f) => f());
    await r.close();
    deliver.close();
  });
});
