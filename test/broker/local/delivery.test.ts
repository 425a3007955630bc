import { QstashError } from "@upstash/qstash";
import { connect } from "node:net";
import { describe, expect, it } from "vitest";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN } from "../../../src/broker/local/dev-credentials.ts";
import { useBrokerAndReceiver, type TestBroker, type TestReceiver } from "./helpers.ts";

const T0 = Date.UTC(2030, 0, 1);
let b: TestBroker;
let r: TestReceiver;
useBrokerAndReceiver(T0, (x) => ({ b, r } = x));

describe("local broker delivery (official Client → broker → official Receiver)", () => {
  it("delivers a published JSON message once, signed, with QStash's headers and the body bytes unchanged", async () => {
    const res = await b.client.publishJSON({ url: `${r.url}/tasks/a`, body: { hello: "wörld" }, headers: { "X-Custom": "v" } });
    expect(res.messageId).toMatch(/^msg_/);
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(1);
    const d = r.deliveries[0];
    expect(d.verifyError).toBeUndefined();
    expect(d.verified).toBe(true);
    expect(d.method).toBe("POST");
    expect(d.body).toBe('{"hello":"wörld"}');
    expect(d.headers.get("upstash-message-id")).toBe(res.messageId);
    expect(d.headers.get("upstash-retried")).toBe("0");
    expect(d.headers.get("user-agent")).toBe("Upstash-QStash");
    expect(d.headers.get("content-type")).toBe("application/json");
    expect(d.headers.get("x-custom")).toBe("v");
    expect(d.headers.get("upstash-telemetry-sdk")).toBeNull();
  });

  it("keeps the destination's query string and drops qstash_token from it", async () => {
    await b.client.publish({ url: `${r.url}/q/x?foo=bar&baz=1`, body: "plain" });
    await b.broker.runDue();
    expect(r.deliveries[0].url).toBe(`${r.url}/q/x?foo=bar&baz=1`);
    expect(r.deliveries[0].verified).toBe(true);
    expect(r.deliveries[0].headers.get("content-type")).toBe("text/plain;charset=UTF-8");
  });

  it("honours Upstash-Method: GET is sent without a body", async () => {
    await b.client.publish({ url: `${r.url}/get`, method: "GET" });
    await b.broker.runDue();
    expect(r.deliveries[0].method).toBe("GET");
    expect(r.deliveries[0].body).toBe("");
    expect(r.deliveries[0].verified).toBe(true);
  });

  it("waits for Upstash-Delay and Upstash-Not-Before before delivering", async () => {
    await b.client.publish({ url: `${r.url}/delay`, body: "d", delay: 30 });
    await b.client.publish({ url: `${r.url}/nb`, body: "n", notBefore: Math.floor(b.broker.now() / 1000) + 60 });
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(0);
    await b.broker.advance(29_000);
    expect(r.deliveries).toHaveLength(0);
    await b.broker.advance(1_000);
    expect(r.deliveries.map((d) => d.body)).toEqual(["d"]);
    await b.broker.advance(30_000);
    expect(r.deliveries.map((d) => d.body)).toEqual(["d", "n"]);
  });

  it("retries a failing destination on QStash's default schedule min(86400, e^(2.5n)) s", async () => {
    r.reply = (_d, nth) => new Response("no", { status: nth < 3 ? 500 : 200 });
    const start = b.broker.now();
    await b.client.publish({ url: `${r.url}/flaky`, body: "x" });
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(1);
    await b.broker.advance(12_000);
    expect(r.deliveries).toHaveLength(1);
    await b.broker.advance(200); // e^2.5 = 12.18 s
    expect(r.deliveries).toHaveLength(2);
    await b.broker.advance(148_500); // e^5 = 148.4 s
    expect(r.deliveries).toHaveLength(3);
    expect(r.deliveries.map((d) => d.headers.get("upstash-retried"))).toEqual(["0", "1", "2"]);
    expect(r.deliveries[1].at - start).toBeGreaterThanOrEqual(12_182);
    expect(r.deliveries.every((d) => d.verified)).toBe(true);
  });

  it("evaluates Upstash-Retry-Delay with retried = 0 for the first retry", async () => {
    r.reply = (_d, nth) => new Response("no", { status: nth < 3 ? 503 : 200 });
    await b.client.publish({ url: `${r.url}/expr`, body: "x", retryDelay: "1000 * (1 + retried)" });
    await b.broker.runDue();
    await b.broker.advance(999);
    expect(r.deliveries).toHaveLength(1);
    await b.broker.advance(1);
    expect(r.deliveries).toHaveLength(2);
    await b.broker.advance(1999);
    expect(r.deliveries).toHaveLength(2);
    await b.broker.advance(1);
    expect(r.deliveries).toHaveLength(3);
  });

  it("honours the destination's Retry-After over the default backoff", async () => {
    r.reply = (_d, nth) => (nth === 1 ? new Response("busy", { status: 429, headers: { "Retry-After": "3" } }) : new Response("ok"));
    await b.client.publish({ url: `${r.url}/ra`, body: "x" });
    await b.broker.runDue();
    await b.broker.advance(2_999);
    expect(r.deliveries).toHaveLength(1);
    await b.broker.advance(1);
    expect(r.deliveries).toHaveLength(2);
  });

  it("sends a non-retryable 489 straight to the DLQ with the response kept", async () => {
    r.reply = () => new Response('{"error":"bad input"}', { status: 489, headers: { "Upstash-NonRetryable-Error": "true" } });
    const { messageId } = await b.client.publish({ url: `${r.url}/final`, body: "x", retries: 3 });
    await b.broker.runDue();
    await b.broker.advance(86_400_000);
    expect(r.deliveries).toHaveLength(1);
    const { messages } = await b.client.dlq.listMessages({ filter: { messageId } });
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatchObject({ messageId, responseStatus: 489, responseBody: '{"error":"bad input"}', url: `${r.url}/final` });
    expect(messages[0].dlqId).toBeTruthy();
  });

  it("moves a message to the DLQ when its retries are exhausted", async () => {
    r.reply = () => new Response("down", { status: 500 });
    const { messageId } = await b.client.publish({ url: `${r.url}/down`, body: "x", retries: 1 });
    await b.broker.runDue();
    await b.broker.advance(13_000);
    expect(r.deliveries).toHaveLength(2);
    await b.broker.advance(86_400_000);
    expect(r.deliveries).toHaveLength(2);
    const { messages } = await b.client.dlq.listMessages({ filter: { messageId } });
    expect(messages[0]).toMatchObject({ messageId, responseStatus: 500, maxRetries: 1 });
    await expect(b.client.messages.get(messageId)).rejects.toThrow(QstashError);
  });

  it("keeps a delivered message readable for a minute, then forgets it", async () => {
    const { messageId } = await b.client.publish({ url: `${r.url}/grace`, body: "x" });
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(1);
    expect((await b.client.messages.get(messageId)).messageId).toBe(messageId);
    await b.broker.advance(61_000);
    await b.client.publish({ url: `${r.url}/grace`, body: "y" }); // evictions happen as others finish
    await b.broker.runDue();
    await expect(b.client.messages.get(messageId)).rejects.toThrow(QstashError);
  });

  it("answers a duplicate Upstash-Deduplication-Id with 202, the first messageId and deduplicated: true", async () => {
    const first = await b.client.publish({ url: `${r.url}/dd`, body: "1", deduplicationId: "once" });
    const raw = await fetch(`${b.url}/v2/publish/${r.url}/dd`, { method: "POST", body: "2", headers: { authorization: `Bearer ${b.broker.token}`, "upstash-deduplication-id": "once" } });
    expect(raw.status).toBe(202);
    expect(await raw.json()).toEqual({ messageId: first.messageId, deduplicated: true });
    await b.broker.runDue();
    expect(r.deliveries.map((d) => d.body)).toEqual(["1"]);
  });

  it("cancels a pending message: {cancelled: 1}, then never delivered; unknown ids are 404", async () => {
    const { messageId } = await b.client.publish({ url: `${r.url}/cancel`, body: "x", delay: 60 });
    expect(await b.client.messages.cancel(messageId)).toEqual({ cancelled: 1 });
    await b.broker.advance(120_000);
    expect(r.deliveries).toHaveLength(0);
    const err = await b.client.messages.cancel(messageId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QstashError);
    expect((err as QstashError).status).toBe(404);
  });

  it("reads a pending message back with forwarded headers (prefix removed) and its settings", async () => {
    const { messageId } = await b.client.publishJSON({ url: `${r.url}/read`, body: { a: 1 }, delay: 100, headers: { "test-header": "v" }, retries: 2, label: ["l1", "l2"] });
    const m = await b.client.messages.get(messageId);
    expect(m).toMatchObject({ messageId, url: `${r.url}/read`, method: "POST", body: '{"a":1}', maxRetries: 2, label: "l1", labels: ["l1", "l2"] });
    expect(m.header).toEqual({ "Content-Type": ["application/json"], "Test-Header": ["v"] });
    expect(m.notBefore).toBeGreaterThanOrEqual(b.broker.now() + 99_000);
    await b.client.messages.cancel(messageId);
  });
});

describe("local broker HTTP surface", () => {
  it("serves the dev keys at /v2/keys for QSTASH_DEV probes", async () => {
    const res = await fetch(`${b.url}/v2/keys`, { headers: { authorization: `Bearer ${DEV_TOKEN}` } });
    expect(await res.json()).toEqual({ current: DEV_CURRENT_SIGNING_KEY, next: DEV_NEXT_SIGNING_KEY });
  });

  it("rejects a wrong token with 401 JSON and accepts ?qstash_token=", async () => {
    const bad = await fetch(`${b.url}/v2/keys`, { headers: { authorization: "Bearer nope" } });
    expect(bad.status).toBe(401);
    expect((await bad.json()).error).toMatch(/invalid token/);
    const ok = await fetch(`${b.url}/v2/keys?qstash_token=${encodeURIComponent(b.broker.token)}`);
    expect(ok.status).toBe(200);
  });

  it("answers malformed publishes with 400 and a JSON error naming the problem", async () => {
    const post = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${b.url}${path}`, { method: "POST", body: "x", headers: { authorization: `Bearer ${b.broker.token}`, ...headers } });
    const cases = [
      [await post(`/v2/publish/${r.url}/x`, { "upstash-delay": "soon" }), /Upstash-Delay/],
      [await post(`/v2/publish/${r.url}/x`, { "upstash-retries": "-1" }), /Upstash-Retries/],
      [await post(`/v2/publish/${r.url}/x`, { "upstash-retry-delay": "eval(1)" }), /Retry-Delay/],
      [await post(`/v2/publish/${r.url}/x`, { "upstash-flow-control-key": "k", "upstash-flow-control-value": "speed=3" }), /Flow-Control/],
      [await post("/v2/publish/ftp://example.com/x"), /invalid scheme/],
      [await post("/v2/publish/"), /destination/],
    ] as const;
    for (const [res, message] of cases) {
      expect(res.status).toBe(400);
      expect((await res.json()).error).toMatch(message);
    }
  });

  it("reads a raw /v2/batch item's headers like HTTP headers, and fails alone an item with a header HTTP cannot carry", async () => {
    const res = await fetch(`${b.url}/v2/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${b.broker.token}` },
      body: JSON.stringify([
        { destination: `${r.url}/ok`, headers: { "UPSTASH-FORWARD-X-Trace": "  t1 ", "upstash-retries": "0", "Content-Type": "text/plain" }, body: "a" },
        { destination: `${r.url}/bad`, headers: { "X Bad": "v" }, body: "b" },
        { destination: `${r.url}/bad2`, headers: { "Upstash-Forward-X": "line\r\nbreak" }, body: "c" },
      ]),
    });
    expect(res.status).toBe(201);
    const items = (await res.json()) as { messageId?: string; error?: string }[];
    expect(items[0].messageId).toMatch(/^msg_/);
    expect(items[1].error).toMatch(/"X Bad" is not a valid header name/);
    expect(items[2].error).toMatch(/header Upstash-Forward-X holds a line break/);
    await b.broker.runDue();
    expect(r.deliveries.map((d) => d.url)).toEqual([`${r.url}/ok`]);
    expect(r.deliveries[0].headers.get("x-trace")).toBe("t1");
    expect(r.deliveries[0].headers.get("content-type")).toBe("text/plain");
    expect(r.deliveries[0].verified).toBe(true);
  });

  it("reads a publish's repeated and padded header lines over HTTP as a Request's Headers would", async () => {
    const lines = [
      `POST /v2/publish/${r.url}/raw HTTP/1.1`,
      `Host: 127.0.0.1`,
      `Authorization: Bearer ${b.broker.token}`,
      `Content-Type: text/plain`,
      `Upstash-Forward-X-Twice: one`,
      `upstash-forward-x-twice: two`,
      `Upstash-Forward-X-Pad:   padded  `,
      `Upstash-Retries: 0`,
      `Content-Length: 4`,
      `Connection: close`,
      ``,
      `body`,
    ];
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(b.url).port), "127.0.0.1", () => socket.end(lines.join("\r\n")));
      let text = "";
      socket.on("data", (chunk) => (text += chunk));
      socket.on("end", () => resolve(text));
      socket.on("error", reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    // The same publish as a Request: its Headers join and trim the same way.
    const viaRequest = await b.broker.fetch(new Request(`${b.url}/v2/publish/${r.url}/raw`, {
      method: "POST",
      headers: [["Authorization", `Bearer ${b.broker.token}`], ["Content-Type", "text/plain"], ["Upstash-Forward-X-Twice", "one"], ["upstash-forward-x-twice", "two"], ["Upstash-Forward-X-Pad", "  padded  "], ["Upstash-Retries", "0"]],
      body: "body",
    }));
    expect(viaRequest.status).toBe(201);
    await b.broker.runDue();
    expect(r.deliveries).toHaveLength(2);
    const seen = r.deliveries.map((d) => [d.headers.get("x-twice"), d.headers.get("x-pad"), d.headers.get("content-type"), d.body, d.verified]);
    expect(seen[0]).toEqual(["one, two", "padded", "text/plain", "body", true]);
    expect(seen[1]).toEqual(seen[0]);
  });

  it("answers garbage with a 4xx JSON error, never a 5xx", async () => {
    const auth = { authorization: `Bearer ${b.broker.token}` };
    const requests: [string, RequestInit][] = [
      ["/v2/batch", { method: "POST", body: "{not json" }],
      ["/v2/batch", { method: "POST", body: '{"a":1}' }],
      ["/v2/batch", { method: "POST", body: "[1, null, {}]" }],
      ["/v2/queues", { method: "POST", body: "[]" }],
      ["/v2/queues", { method: "POST", body: '{"queueName":"q","parallelism":0}' }],
      ["/v2/topics/g/endpoints", { method: "POST", body: '{"endpoints":[{"url":"nope"}]}' }],
      ["/v2/topics/g%20x/endpoints", { method: "POST", body: '{"endpoints":[]}' }],
      ["/v2/schedules/https://example.com/x", { method: "POST", body: "x" }],
      ["/v2/enqueue/bad%20queue/https://example.com/x", { method: "POST", body: "x" }],
      ["/v2/enqueue/q", { method: "POST", body: "x" }],
      ["/v2/dlq?cursor=garbage&count=-5", { method: "GET" }],
      ["/v2/events?cursor=zzz&count=abc", { method: "GET" }],
      ["/v2/messages/%00", { method: "GET" }],
      ["/v2/flowControl/k/pin?parallelism=0", { method: "POST" }],
      ["/v2/publish/https://example.com/x", { method: "POST", body: "x", headers: { "upstash-not-before": "tomorrow" } }],
      ["/v2/publish/https://example.com/x", { method: "POST", body: "x", headers: { "upstash-method": "FETCH" } }],
      ["/v2/publish/https://example.com/x", { method: "POST", body: "x", headers: { "upstash-callback": "not-a-url" } }],
      ["/v2/publish/https://example.com/x", { method: "POST", body: "x", headers: { "upstash-redact-fields": "elbow" } }],
    ];
    for (const [path, init] of requests) {
      const res = await fetch(`${b.url}${path}`, { ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
      const text = await res.text();
      expect(res.status, `${init.method} ${path} → ${res.status} ${text}`).toBeLessThan(500);
      if (res.status >= 400) expect(JSON.parse(text).error, path).toBeTruthy();
    }
  });

  it("answers unknown endpoints with a 404 JSON error", async () => {
    const res = await fetch(`${b.url}/v2/nothing`, { headers: { authorization: `Bearer ${b.broker.token}` } });
    expect(res.status).toBe(404);
    expect((await res.json()).error).toMatch(/no such endpoint/);
  });
});
