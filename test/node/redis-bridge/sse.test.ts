/**
 * The Redis REST bridge's `/subscribe` and `/psubscribe` streams on the wire, read with node:http:
 * headers, the exact `data:` lines, heartbeats, refusals, disconnects, the bridge closing, Redis
 * missing; and, with a stand-in subscriber connection, that nothing is announced before Redis
 * confirms.
 */
import { request, type IncomingHttpHeaders } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisRestBridge } from "../../../src/node/redis-bridge/bridge.ts";
import type { BridgeRedisClient } from "../../../src/node/redis-bridge/connection.ts";
import { startRedisRestBridge, type StartedRedisRestBridge } from "../../../src/node/redis-bridge/server.ts";
import type { NodeRedis } from "../../backend/redis-env.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/wait.ts";
import { keyPrefix, REDIS_URL, requireRedis, useStartedBridge } from "./fixtures.ts";

const hasRedis = await requireRedis();
const p = keyPrefix("bridge-sse");

let server: StartedRedisRestBridge;
let direct: NodeRedis;
useStartedBridge(hasRedis, { subscriptionHeartbeatMs: 20 }, (x) => ({ server, direct } = x));

/** A streaming response read with node:http: its status, headers and the text so far. */
interface RawStream {
  status: number;
  headers: IncomingHttpHeaders;
  text(): string;
  /** The `data:` and comment lines so far, without blank lines and heartbeats. */
  events(): string[];
  ended: Promise<void>;
  destroy(): void;
}

function open(bridge: StartedRedisRestBridge, path: string, options: { method?: string; token?: string | null } = {}): Promise<RawStream> {
  const token = options.token === undefined ? bridge.token : options.token;
  const headers: Record<string, string> = { accept: "text/event-stream", "content-type": "application/json" };
  if (token !== null) headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(`${bridge.url}${path}`, { method: options.method ?? "POST", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (text += chunk));
      const ended = new Promise<void>((done) => res.on("close", done));
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        text: () => text,
        events: () => text.split("\n").filter((line) => line !== "" && line !== ": keep-alive"),
        ended,
        destroy: () => req.destroy(),
      });
    });
    req.on("error", reject);
    req.end(options.method === "GET" ? undefined : "[]");
  });
}

const numsub = async (channel: string) => Number((await direct.pubSubNumSub(channel))[channel]);

describe.skipIf(!hasRedis)("Redis REST bridge event streams on the wire", () => {
  it("answers text/event-stream and writes each event as it happens: subscribe, messages, multi-line payloads, heartbeats", async () => {
    const channel = `${p}wire`;
    const stream = await open(server, `/subscribe/${channel}`);
    expect(stream.status).toBe(200);
    expect(stream.headers["content-type"]).toBe("text/event-stream");
    expect(stream.headers["cache-control"]).toBe("no-cache");
    await waitFor(() => stream.text().startsWith(`data: subscribe,${channel},1\n\n`), { what: "the subscribe event" });

    await direct.publish(channel, "hello, world");
    await waitFor(() => stream.text().includes(`data: message,${channel},hello, world\n\n`), { what: "the first message" });
    await direct.publish(channel, "two\nlines");
    await waitFor(() => stream.text().includes(`data: message,${channel},two\ndata: lines\n\n`), { what: "the second message" });
    await waitFor(() => stream.text().includes("\n\n: keep-alive\n\n"), { what: "a heartbeat comment" });

    expect(stream.events()).toEqual([`data: subscribe,${channel},1`, `data: message,${channel},hello, world`, `data: message,${channel},two`, "data: lines"]);
    stream.destroy();
  });

  it("a psubscribe stream names the pattern and the channel; GET with ?_token (what EventSource can send) works too", async () => {
    const pattern = `${p}room:*`;
    const stream = await open(server, `/psubscribe/${encodeURIComponent(pattern)}?_token=${server.token}`, { method: "GET", token: null });
    expect(stream.status).toBe(200);
    await waitFor(() => stream.events().length === 1, { what: "the psubscribe event" });
    await direct.publish(`${p}room:1`, '{"n":1}');
    await waitFor(() => stream.events().length === 2, { what: "the pmessage" });

    expect(stream.events()).toEqual([`data: psubscribe,${pattern},1`, `data: pmessage,${pattern},${p}room:1,{"n":1}`]);
    stream.destroy();
  });

  it("a channel holds a slash when it is percent-encoded; no channel, two path segments or a line break is a 400", async () => {
    const stream = await open(server, `/subscribe/${encodeURIComponent(`${p}a/b`)}`);
    await waitFor(() => stream.events().length === 1, { what: "the subscribe event" });
    expect(stream.events()).toEqual([`data: subscribe,${p}a/b,1`]);
    stream.destroy();

    for (const [path, error] of [
      ["/subscribe", /^ERR \/subscribe takes one channel, got no channel/],
      ["/psubscribe/", /^ERR \/psubscribe takes one pattern, got no pattern/],
      [`/subscribe/${p}a/b`, /got 2 path segments: .*written %2F/],
      [`/subscribe/${p}%0Ax`, /cannot contain a line break/],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { method: "POST", headers: { authorization: `Bearer ${server.token}` }, body: "[]" });
      expect(res.status).toBe(400);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect((await res.json()).error).toMatch(error);
    }
  });

  it("a wrong token is a 401 JSON error, and Redis gets no subscription", async () => {
    const channel = `${p}denied`;
    const res = await fetch(`${server.url}/subscribe/${channel}`, {
      method: "POST",
      headers: { authorization: "Bearer wrong", accept: "text/event-stream" },
      body: "[]",
    });
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(await res.json()).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
    expect(await numsub(channel)).toBe(0);
  });

  it("a client that goes away is unsubscribed: PUBSUB NUMSUB drops to 0", async () => {
    const channel = `${p}leaving`;
    const stream = await open(server, `/subscribe/${channel}`);
    await waitFor(() => stream.events().length === 1, { what: "the subscribe event" });
    expect(await numsub(channel)).toBe(1);
    stream.destroy();
    await waitFor(async () => (await numsub(channel)) === 0, { what: "PUBSUB NUMSUB to drop to 0" });
  });

  it("closing the bridge ends every stream with an unsubscribe event and closes its subscriber connection", async () => {
    const bridge = await startRedisRestBridge({ redisUrl: REDIS_URL, port: 0 });
    const channel = `${p}closing`;
    const pattern = `${p}closing:*`;
    const streams = [await open(bridge, `/subscribe/${channel}`), await open(bridge, `/psubscribe/${encodeURIComponent(pattern)}`)];
    await waitFor(() => streams.every((s) => s.events().length === 1), { what: "both subscribe events" });

    await bridge.close();
    await Promise.all(streams.map((s) => s.ended));
    expect(streams.map((s) => s.text())).toEqual([
      `data: subscribe,${channel},1\n\ndata: unsubscribe,${channel},0\n\n`,
      `data: psubscribe,${pattern},1\n\ndata: punsubscribe,${pattern},0\n\n`,
    ]);
    expect(await numsub(channel)).toBe(0);
    expect(await direct.publish(`${p}closing:1`, "x")).toBe(0);
  });

  it("answers 503 with the usual JSON error while Redis is unreachable", async () => {
    const port = await freePort();
    const bridge = await startRedisRestBridge({ redisUrl: `redis://127.0.0.1:${port}`, port: 0 });
    try {
      const res = await fetch(`${bridge.url}/subscribe/${p}down`, { method: "POST", headers: { authorization: `Bearer ${bridge.token}` }, body: "[]" });
      expect(res.status).toBe(503);
      expect(await res.json()).toEqual({ error: expect.stringMatching(/^ERR Redis at redis:\/\/127\.0\.0\.1:\d+ is unavailable/) });
    } finally {
      await bridge.close();
    }
  });
});

/**
 * A stand-in for node-redis whose subscriber connection confirms only when the test says so, and
 * can deliver a message in the same turn as the confirmation (as one TCP read of Redis's replies).
 */
function standIn() {
  let confirm!: () => void;
  let listener!: (message: string, channel: string) => void;
  const subscriber = {
    isOpen: true,
    isReady: true,
    subscribe: (_: string, l: typeof listener) => {
      listener = l;
      return new Promise<void>((resolve) => (confirm = resolve));
    },
    unsubscribe: async () => {},
    on: () => {},
    connect: async () => {},
    close: async () => {},
    destroy: () => {},
  };
  const client: BridgeRedisClient = {
    options: { RESP: 2 },
    isOpen: true,
    isReady: true,
    sendCommand: async () => null,
    on: () => {},
    off: () => {},
    duplicate: () => subscriber,
    destroy: () => {},
    close: async () => {},
  };
  return { client, confirmWithMessage: (message: string, channel: string) => (confirm(), listener(message, channel)) };
}

describe("Redis REST bridge event streams before Redis confirms", () => {
  it("answers only once Redis confirms, and the subscribe event precedes a message delivered with the confirmation", async () => {
    const { client, confirmWithMessage } = standIn();
    const bridge = createRedisRestBridge({ client, token: "t" });
    let answered = false;
    const response = Promise.resolve(bridge.request("/subscribe/ch", { method: "POST", headers: { authorization: "Bearer t" } })).then((res) => {
      answered = true;
      return res;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answered).toBe(false);

    confirmWithMessage("first", "ch");
    const res = await response;
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe("data: subscribe,ch,1\n\n");
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: message,ch,first\n\n");
    await bridge.close();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("data: unsubscribe,ch,0\n\n");
    expect(await reader.read()).toEqual({ done: true, value: undefined });
  });
});
