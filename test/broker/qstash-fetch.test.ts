/**
 * QStashFetchBroker sends what the official client sends: the same call through QStashBroker
 * (@upstash/qstash) and QStashFetchBroker hits a capturing HTTP server, and the two requests
 * (method, raw target, headers, body) must be identical, apart from the official client's
 * informational `Upstash-Telemetry-*` headers. Answers and failures read the same way too.
 */
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Broker, BrokerSchedule, PublishRequest } from "../../src/broker/broker.ts";
import { QStashBroker } from "../../src/broker/qstash.ts";
import { type BrokerFetch, QStashFetchBroker } from "../../src/broker/qstash-fetch.ts";
import { createNodeBrokerFetch } from "../../src/node/http/node-fetch.ts";
import { BrokerError } from "../../src/errors.ts";

interface Captured {
  method: string;
  target: string;
  headers: Record<string, string>;
  body: string;
}

type Answer = { status?: number; json?: unknown; text?: string };

let server: Server;
let base: string;
const captured: Captured[] = [];
/** How the server answers the next requests (default: what QStash answers for that path). */
let answer: ((c: Captured) => Answer) | undefined;

function defaultAnswer(c: Captured): Answer {
  if (c.method === "POST" && /^\/v2\/(publish|enqueue)\//.test(c.target)) return { status: 201, json: { messageId: "msg_1" } };
  if (c.method === "DELETE" && c.target.startsWith("/v2/messages/")) return { json: { cancelled: 1 } };
  if (c.method === "POST" && c.target.startsWith("/v2/schedules/")) return { status: 201, json: { scheduleId: c.headers["upstash-schedule-id"] ?? "scd_generated" } };
  return { text: "" };
}

const withoutTelemetry = (h: IncomingHttpHeaders): Record<string, string> =>
  Object.fromEntries(
    Object.entries(h)
      .filter(([k]) => !k.startsWith("upstash-telemetry-") && !["host", "connection", "content-length", "accept", "accept-language", "accept-encoding", "sec-fetch-mode", "user-agent"].includes(k))
      .map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : String(v)]),
  );

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const c: Captured = { method: req.method!, target: req.url!, headers: withoutTelemetry(req.headers), body: Buffer.concat(chunks).toString() };
      captured.push(c);
      const a = (answer ?? defaultAnswer)(c);
      res.writeHead(a.status ?? 200, { "content-type": a.json !== undefined ? "application/json" : "text/plain" });
      res.end(a.json !== undefined ? JSON.stringify(a.json) : (a.text ?? ""));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const official = () => new QStashBroker({ token: "tok", baseUrl: base, networkRetries: 0 });
const nodeBrokerFetch = createNodeBrokerFetch();
afterAll(() => nodeBrokerFetch.close());
/** Each suite below runs once per way of calling: the global `fetch` (Workers, Deno) and Node's sockets (`NODE_PARTS`). */
const FETCHES: [string, BrokerFetch | undefined][] = [["the global fetch", undefined], ["createNodeBrokerFetch", nodeBrokerFetch]];
let slimFetch: BrokerFetch | undefined;
const slim = () => new QStashFetchBroker({ token: "tok", baseUrl: base, networkRetries: 0, fetch: slimFetch });

/** Run `call` on both brokers; answer both results and the requests each one made. */
async function both<T>(call: (b: Required<Broker>) => Promise<T>): Promise<{ results: [T, T]; requests: [Captured[], Captured[]] }> {
  const run = async (b: Broker) => {
    captured.length = 0;
    const result = await call(b as Required<Broker>);
    return { result, requests: [...captured] };
  };
  const a = await run(official());
  const s = await run(slim());
  return { results: [a.result, s.result], requests: [a.requests, s.requests] };
}

const publishes: [string, PublishRequest][] = [
  ["a plain envelope", { url: "https://app.example.com/tasks/main_send_email", body: '{"v":1}' }],
  [
    "every option",
    {
      url: "https://app.example.com/tasks/x?a=1&b=two",
      body: '{"v":1,"id":"t1"}',
      headers: { "Celeriac-Task": "x", "X-Trace": "abc", "Upstash-Forward-Y": "kept", "upstash-callback": "https://cb.example/c" },
      delaySec: 12.6,
      retries: 0,
      timeoutSec: 1.5,
      deduplicationId: "task-1",
      flowControl: { key: "fc", rate: 0, periodSec: 60, parallelism: 4 },
      label: "main_send_email",
    },
  ],
  ["notBefore over delaySec", { url: "http://127.0.0.1:8787/tasks/y", body: "{}", delaySec: 5, notBefore: 1_900_000_000.4 }],
  ["a queue and a period-only flow control", { url: "https://h.example/tasks/q", body: "[]", queue: "celeriac-default", flowControl: { key: "k", periodSec: 1 } }],
  ["a content type given by the caller, in another case", { url: "https://h.example/t", body: "x", headers: { "content-type": "text/plain" } }],
  ["a URL that new URL() normalizes", { url: "https://h.example/a/../b c", body: "{}" }],
  [
    "header values with spaces around them and names differing only in case",
    { url: "https://h.example/t", body: "{}", headers: { "X-Pad": "  padded\t", "X-Twice": "1", "x-twice": "2", "UPSTASH-CALLBACK": " https://cb.example/c " }, label: " lbl " },
  ],
];

describe.each(FETCHES)("QStashFetchBroker on the wire, with %s", (_, way) => {
  beforeAll(() => {
    slimFetch = way;
  });

  for (const [what, request] of publishes) {
    it(`publishes ${what} exactly as the official client does`, async () => {
      const { results, requests } = await both((b) => b.publish(request));
      expect(results[1]).toEqual(results[0]);
      expect(requests[0]).toHaveLength(1);
      expect(requests[1]).toEqual(requests[0]);
    });
  }

  it("sends the Upstash-* headers QStash documents for a publish", async () => {
    captured.length = 0;
    await slim().publish(publishes[1][1]);
    expect(captured[0].target).toBe("/v2/publish/https://app.example.com/tasks/x?a=1&b=two");
    expect(captured[0].headers).toMatchObject({
      authorization: "Bearer tok",
      "content-type": "application/json",
      "upstash-method": "POST",
      "upstash-delay": "13s",
      "upstash-retries": "0",
      "upstash-timeout": "1.5s",
      "upstash-deduplication-id": "task-1",
      "upstash-flow-control-key": "fc",
      "upstash-flow-control-value": "parallelism=4, rate=0, period=60s",
      "upstash-label": "main_send_email",
      "upstash-forward-celeriac-task": "x",
      "upstash-forward-x-trace": "abc",
      "upstash-forward-y": "kept",
      "upstash-callback": "https://cb.example/c",
    });
  });

  it("reads a deduplicated answer and a URL-group array the same way", async () => {
    answer = () => ({ status: 202, json: { messageId: "msg_first", deduplicated: true } });
    expect((await both((b) => b.publish(publishes[0][1]))).results).toEqual([{ messageId: "msg_first", deduplicated: true }, { messageId: "msg_first", deduplicated: true }]);
    answer = () => ({ json: [{ messageId: "msg_g", url: "https://a" }] });
    expect((await both((b) => b.publish(publishes[0][1]))).results).toEqual([{ messageId: "msg_g" }, { messageId: "msg_g" }]);
    answer = undefined;
  });

  it("cancels as the official client does: true, then false on 404 or a zero count", async () => {
    let r = await both((b) => b.cancel("msg_1"));
    expect(r.results).toEqual([true, true]);
    expect(r.requests[1]).toEqual(r.requests[0]);
    answer = () => ({ status: 404, text: '{"error":"message not found"}' });
    r = await both((b) => b.cancel("msg_1"));
    expect(r.results).toEqual([false, false]);
    answer = () => ({ json: { cancelled: 0 } });
    expect((await both((b) => b.cancel("msg_1"))).results).toEqual([false, false]);
    answer = undefined;
  });

  it("creates, pauses, lists and deletes schedules with the official client's requests", async () => {
    const schedule: BrokerSchedule = { scheduleId: "celeriac.beat.report", cron: "0 * * * *", url: "https://h.example/tasks/report", body: '{"v":1}', headers: { "Celeriac-Task": "report" }, retries: 1, timeoutSec: 30, isPaused: true };
    let r = await both((b) => b.upsertSchedule(schedule));
    expect(r.results).toEqual(["celeriac.beat.report", "celeriac.beat.report"]);
    expect(r.requests[0].map((c) => `${c.method} ${c.target}`)).toEqual(["POST /v2/schedules/https://h.example/tasks/report", "PATCH /v2/schedules/celeriac.beat.report/pause"]);
    expect(r.requests[1]).toEqual(r.requests[0]);

    r = await both((b) => b.upsertSchedule({ scheduleId: "", cron: "*/5 * * * *", url: "https://h.example/p" }));
    expect(r.results).toEqual(["scd_generated", "scd_generated"]);
    expect(r.requests[1]).toEqual(r.requests[0]);

    answer = () => ({
      json: [
        { scheduleId: "a", cron: "0 * * * *", destination: "https://h/a", header: { "Content-Type": ["application/json"], "Celeriac-Task": ["a", "b"] }, body: "{}", retries: 3, isPaused: false, createdAt: 1 },
        { scheduleId: "b", cron: "0 0 * * *", destination: "https://h/b", bodyBase64: btoa("ü"), retries: 0, isPaused: true, createdAt: 2 },
        { scheduleId: "c", cron: "0 0 * * *", destination: "https://h/c", retries: 0, isPaused: false, createdAt: 3 },
      ],
    });
    const listed = await both((b) => b.listSchedules());
    expect(listed.results[1]).toEqual(listed.results[0]);
    expect(listed.requests[1]).toEqual(listed.requests[0]);
    expect(listed.results[1][0].headers).toEqual({ "Content-Type": "application/json", "Celeriac-Task": "a, b" });

    answer = undefined;
    const deleted = await both((b) => b.deleteSchedule("a"));
    expect(deleted.requests[1]).toEqual(deleted.requests[0]);
    answer = () => ({ status: 404, text: "not found" });
    await expect(slim().deleteSchedule("a")).resolves.toBeUndefined();
    answer = undefined;
  });

  it("turns HTTP failures into the same BrokerError (message and status)", async () => {
    for (const a of [{ status: 400, text: '{"error":"invalid destination url"}' }, { status: 500, text: "" }, { status: 412, text: "quota" }] as Answer[]) {
      answer = () => a;
      const errors: BrokerError[] = [];
      for (const b of [official(), slim()]) errors.push((await b.publish(publishes[0][1]).catch((e: unknown) => e)) as BrokerError);
      expect(errors[1]).toBeInstanceOf(BrokerError);
      expect(errors[1].status).toBe(a.status);
      expect(errors[1].message).toBe(errors[0].message);
    }
    answer = undefined;
  });

  it("turns an answer that is not JSON into the same BrokerError", async () => {
    answer = () => ({ status: 200, text: "" });
    for (const call of [(b: Broker) => b.publish(publishes[0][1]), (b: Broker) => b.cancel("msg_1")]) {
      const errors: BrokerError[] = [];
      for (const b of [official(), slim()]) errors.push((await call(b).catch((e: unknown) => e)) as BrokerError);
      expect(errors[0]).toBeInstanceOf(BrokerError);
      expect(errors[1]).toBeInstanceOf(BrokerError);
      expect(errors[1].message).toBe(errors[0].message);
    }
    answer = undefined;
  });

  it("refuses a header name or value that Headers refuses, before sending anything, and says which", async () => {
    captured.length = 0;
    const bad: [Record<string, string>, RegExp][] = [
      [{ "X Bad": "1" }, /"X Bad" is not a valid header name/],
      [{ "X-Split": "a\r\nInjected: 1" }, /header X-Split holds a line break/],
      [{ "X-Wide": "€" }, /header X-Wide holds .* above U\+00FF/],
    ];
    for (const [headers, message] of bad) {
      const official = await new QStashBroker({ token: "tok", baseUrl: base, networkRetries: 0 }).publish({ url: "https://h/x", body: "{}", headers }).catch((e: unknown) => e);
      expect(official).toBeInstanceOf(Error);
      const err = await slim().publish({ url: "https://h/x", body: "{}", headers }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BrokerError);
      expect((err as Error).message).toMatch(message);
    }
    const label = await slim().publish({ url: "https://h/x", body: "{}", label: "a\nb" }).catch((e: unknown) => e);
    expect((label as Error).message).toMatch(/header Upstash-Label holds a line break/);
    expect(captured).toHaveLength(0);
  });

  it("refuses a flow control without parallelism, rate or period before sending anything", async () => {
    captured.length = 0;
    const err = await slim().publish({ url: "https://h/x", body: "{}", flowControl: { key: "k" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as Error).message).toMatch(/parallelism or rate/);
    expect(captured).toHaveLength(0);
  });

  it("retries a publish whose fetch throws, then reports the network failure", async () => {
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (++calls === 1) throw new TypeError("fetch failed");
      return fetch(input, init);
    };
    const broker = new QStashFetchBroker({ token: "tok", baseUrl: base, networkRetries: 1, fetch: flaky });
    await expect(broker.publish(publishes[0][1])).resolves.toEqual({ messageId: "msg_1" });
    expect(calls).toBe(2);
    const down: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    const err = await new QStashFetchBroker({ token: "tok", baseUrl: base, networkRetries: 0, fetch: down }).publish(publishes[0][1]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerError);
    expect((err as BrokerError).message).toMatch(/fetch failed/);
  });
});
