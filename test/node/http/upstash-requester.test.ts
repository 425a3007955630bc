/**
 * The Node requester under the unmodified `@upstash/redis` client, through the REST bridge to the
 * real Redis: a turn's commands travel as one `/pipeline` request and each caller still gets its
 * own reply or error; pipelines and transactions pass through; the sync token is echoed; a stale
 * keep-alive socket, a dead server and a body that is not JSON give a working retry or a clear
 * error. A small recording proxy in front of the bridge shows what went over the wire.
 * The backend contract suite runs on this requester in test/backend/redis.test.ts.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RawDeliveryRequest } from "../../../src/broker/local/delivery/delivery.ts";
import { createSocketClient, type NodeHttpClient } from "../../../src/node/http/socket-client.ts";
import { nodeRedis } from "../../../src/node/http/upstash-requester.ts";
import type { StartedRedisRestBridge } from "../../../src/node/redis-bridge/index.ts";
import { connectDirect, deleteByPrefix, type NodeRedis, randomPrefix, requireRedis, startBridge } from "../../backend/redis-env.ts";
import { freePort } from "../../support/ports.ts";
import { waitFor } from "../../support/wait.ts";

const redisUp = await requireRedis();
const prefix = randomPrefix("node-requester");

interface Seen {
  path: string;
  syncToken: string | undefined;
}

/** An HTTP proxy in front of `target` that records each request and can be told to misbehave. */
async function recordingProxy(target: string) {
  const seen: Seen[] = [];
  const sockets = new Set<import("node:net").Socket>();
  let answerWith: ((res: http.ServerResponse) => void) | undefined;
  let syncToken: string | undefined;
  const server = http.createServer((req, res) => {
    seen.push({ path: req.url ?? "", syncToken: req.headers["upstash-sync-token"] as string | undefined });
    if (answerWith) return answerWith(res);
    const upstream = http.request(`${target}${req.url}`, { method: req.method, headers: req.headers }, (up) => {
      const headers = { ...up.headers };
      if (syncToken) headers["upstash-sync-token"] = syncToken;
      res.writeHead(up.statusCode ?? 502, headers);
      up.pipe(res);
    });
    req.pipe(upstream);
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    connections: () => sockets.size,
    /** Answer every request with `fn` instead of forwarding (undefined: forward again). */
    answer(fn: typeof answerWith) {
      answerWith = fn;
    },
    setSyncToken(token: string) {
      syncToken = token;
    },
    /** Close the idle keep-alive sockets from the server side, as a server's idle timeout does. */
    dropIdleSockets() {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    }),
  };
}

describe.skipIf(!redisUp)("createNodeRequester under @upstash/redis", () => {
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let redis: ReturnType<typeof nodeRedis>;

  beforeAll(async () => {
    bridge = await startBridge();
    direct = await connectDirect();
    proxy = await recordingProxy(bridge.url);
    redis = nodeRedis({ url: proxy.url, token: bridge.token, retries: 0 });
  });
  afterAll(async () => {
    redis?.close();
    await proxy?.close();
    await deleteByPrefix(direct, prefix);
    await direct?.close();
    await bridge?.close();
  });

  it("sends the commands of one turn as one pipeline request, each caller getting its own reply", async () => {
    proxy.seen.length = 0;
    const keys = Array.from({ length: 200 }, (_, i) => `${prefix}batch:${i}`);
    const replies = await Promise.all(keys.map((k, i) => redis.set(k, { n: i }, { px: 60_000 })));
    expect(replies).toEqual(keys.map(() => "OK"));
    expect(await Promise.all(keys.map((k) => redis.get(k)))).toEqual(keys.map((_, i) => ({ n: i })));
    expect(proxy.seen.map((s) => s.path)).toEqual(["/pipeline", "/pipeline"]);
    expect(await direct.get(keys[7])).toBe('{"n":7}');
  });

  it("a lone command goes on its own, not as a pipeline", async () => {
    proxy.seen.length = 0;
    expect(await redis.incr(`${prefix}lone`)).toBe(1);
    expect(proxy.seen.map((s) => s.path)).toEqual(["/"]);
  });

  it("commands issued while a request is in flight wait for it, then go together in one pipeline", async () => {
    proxy.seen.length = 0;
    let held: http.ServerResponse | undefined;
    proxy.answer((res) => (held = res));
    const first = redis.incr(`${prefix}held`);
    await waitFor(() => held !== undefined, { what: "the first request to reach the proxy" });
    proxy.answer(undefined);
    // Two more turns' commands: the first request is still out, so they wait.
    const second = redis.set(`${prefix}later:a`, "a");
    await new Promise((r) => setImmediate(r));
    const third = redis.set(`${prefix}later:b`, "b");
    await new Promise((r) => setImmediate(r));
    expect(proxy.seen.map((s) => s.path)).toEqual(["/"]);
    held!.writeHead(200, { "content-type": "application/json" }).end('{"result":41}');
    expect(await first).toBe(41);
    expect(await Promise.all([second, third])).toEqual(["OK", "OK"]);
    expect(proxy.seen.map((s) => s.path)).toEqual(["/", "/pipeline"]);
    expect(await direct.get(`${prefix}later:b`)).toBe("b");
  });

  it("a failing command fails only its own caller, with Redis's error text", async () => {
    await direct.set(`${prefix}text`, "not a number");
    const results = await Promise.allSettled([
      redis.incr(`${prefix}count`),
      redis.incr(`${prefix}text`),
      redis.evalsha("0123456789abcdef0123456789abcdef01234567", [], []),
      redis.get(`${prefix}count`),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "rejected", "fulfilled"]);
    const reasons = results.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
    expect(reasons[0]).toMatchObject({ name: "UpstashError", message: expect.stringMatching(/not an integer/) });
    expect(reasons[1]).toMatchObject({ name: "UpstashError", message: expect.stringMatching(/NOSCRIPT/) });
    expect(results[3]).toMatchObject({ value: 1 });
  });

  it("pipeline() and multi() go through as the client sends them", async () => {
    proxy.seen.length = 0;
    const p = redis.pipeline();
    p.set(`${prefix}p`, 5);
    p.incrby(`${prefix}p`, 2);
    expect(await p.exec()).toEqual(["OK", 7]);
    const m = redis.multi();
    m.incr(`${prefix}p`);
    m.get(`${prefix}p`);
    expect(await m.exec()).toEqual([8, 8]);
    expect(proxy.seen.map((s) => s.path)).toEqual(["/pipeline", "/multi-exec"]);
  });

  it("echoes the server's sync token on the next request (read your writes)", async () => {
    proxy.setSyncToken("sync-42");
    await redis.set(`${prefix}ryw`, 1);
    proxy.seen.length = 0;
    await redis.get(`${prefix}ryw`);
    expect(proxy.seen[0].syncToken).toBe("sync-42");
    proxy.setSyncToken("");
  });

  it("reuses its keep-alive socket, and a socket the server closed while idle is replaced without an error", async () => {
    for (let i = 0; i < 5; i++) await redis.get(`${prefix}reuse`);
    expect(proxy.connections()).toBe(1);
    proxy.dropIdleSockets();
    expect(await redis.incr(`${prefix}after-drop`)).toBe(1);
  });

  it("close() drops its idle connections, and a command after it opens a new one", async () => {
    await redis.get(`${prefix}before-close`);
    await waitFor(() => proxy.connections() === 1, { what: "one open connection" });
    redis.close();
    await waitFor(() => proxy.connections() === 0, { what: "the connection to close" });
    expect(await redis.incr(`${prefix}after-close`)).toBe(1);
  });

  it("sends through the HTTP client it is given, which close() closes and which serves the commands after it", async () => {
    const sent: RawDeliveryRequest[] = [];
    let closed = 0;
    const inner = createSocketClient();
    const client: NodeHttpClient = Object.assign((request: RawDeliveryRequest) => (sent.push(request), inner(request)), { close: () => void closed++ });
    const given = nodeRedis({ url: proxy.url, token: bridge.token, retries: 0, client });
    try {
      expect(await given.set(`${prefix}given`, "v", { px: 60_000 })).toBe("OK");
      given.close();
      expect(await given.get(`${prefix}given`)).toBe("v");
      expect(sent.map((r) => [r.method, new URL(r.url).pathname])).toEqual([["POST", "/"], ["POST", "/"]]);
      expect(closed).toBe(1);
    } finally {
      inner.close();
    }
  });

  it("a wrong token is the server's refusal as an UpstashError", async () => {
    const wrong = nodeRedis({ url: proxy.url, token: "wrong", retries: 0 });
    await expect(wrong.get(`${prefix}x`)).rejects.toMatchObject({ name: "UpstashError", message: expect.stringMatching(/[Uu]nauthori[sz]ed|token/) });
    wrong.close();
  });

  it("a body that is not JSON is an error naming the status and the body", async () => {
    proxy.answer((res) => res.writeHead(502, { "content-type": "text/html" }).end("<h1>Bad Gateway</h1>"));
    try {
      await expect(redis.get(`${prefix}x`)).rejects.toMatchObject({ name: "UpstashError", message: expect.stringMatching(/502.*not JSON.*Bad Gateway/) });
    } finally {
      proxy.answer(undefined);
    }
  });

  it("a server that is down fails after the configured retries with a message that says what to check", async () => {
    const port = await freePort();
    let waits = 0;
    const down = nodeRedis({ url: `http://127.0.0.1:${port}`, token: "t", retries: 2, backoff: () => (waits++, 1) });
    await expect(down.get("k")).rejects.toMatchObject({
      name: "UpstashError",
      message: expect.stringMatching(new RegExp(`127\\.0\\.0\\.1:${port}/ failed after 3 attempts: .*ECONNREFUSED.*UPSTASH_REDIS_REST_URL`)),
    });
    expect(waits).toBe(2);
    down.close();
  });

  it("refuses a configuration it cannot use, saying which variable to fix", () => {
    expect(() => nodeRedis({ url: "", token: "t" })).toThrow(/UPSTASH_REDIS_REST_URL/);
    expect(() => nodeRedis({ url: "redis://127.0.0.1:1", token: "t" })).toThrow(/not an http\(s\) URL/);
  });
});
