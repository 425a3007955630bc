/**
 * Every Node HTTP server celeriac starts (the worker's `serveNode`, the broker, the dev server,
 * the Redis REST bridge) cuts off a slow-loris client (headers never finished), a client whose
 * body never arrives, and connections beyond its limit, while a normal client beside them is
 * answered as usual. Small limits keep the test short; every wait is on an observable event with
 * a deadline, and nothing asserts how long the cut took.
 */
import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { serveNode } from "../../../src/adapters/node.ts";
import { ConfigError } from "../../../src/errors.ts";
import { startBrokerServer } from "../../../src/node/broker/server.ts";
import { startDevServer } from "../../../src/node/dev/dev-server.ts";
import { DEFAULT_SERVER_LIMITS, resolveServerLimits, type ServerLimits } from "../../../src/node/http/server-limits.ts";
import { startRedisRestBridge } from "../../../src/node/redis-bridge/server.ts";
import { MemoryBackend, TEST_SIGNING_KEYS } from "../../../src/testing/index.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { task } from "../../../src/index.ts";
import { TEST_REDIS_URL } from "../../support/test-redis.ts";
import { waitFor } from "../../support/wait.ts";
import { z } from "zod";

const LIMITS: ServerLimits = { headersTimeoutMs: 300, requestTimeoutMs: 600, keepAliveTimeoutMs: 1000, maxConnections: 4 };
const CUT_DEADLINE_MS = 20_000; // generous: the cut must come, however busy the machine is

/** A started server: its base URL, a path a normal client GETs (expecting `okStatus`), and close. */
interface Started {
  url: string;
  path: string;
  okStatus: number;
  close(): Promise<void>;
}

const echo = task({ name: "limits_echo", input: z.object({}) }, () => "ok");

const servers: Record<string, (limits: ServerLimits) => Promise<Started>> = {
  "worker (serveNode)": async (serverLimits) => {
    const s = await serveNode({
      tasks: [echo],
      port: 0,
      hostname: "127.0.0.1",
      backend: new MemoryBackend(),
      logger: silentLogger,
      serverLimits,
      // Never contacted: this worker publishes nothing here.
      env: { CELERIAC_URL: "http://worker.invalid", CELERIAC_API_TOKEN: "t", QSTASH_TOKEN: "t", QSTASH_URL: "http://broker.invalid", QSTASH_CURRENT_SIGNING_KEY: TEST_SIGNING_KEYS.current, QSTASH_NEXT_SIGNING_KEY: TEST_SIGNING_KEYS.next },
    });
    return { url: `http://127.0.0.1:${s.port}`, path: "/healthz", okStatus: 200, close: () => s.close() };
  },
  broker: async (serverLimits) => {
    const b = await startBrokerServer({ port: 0, serverLimits });
    return { url: b.url, path: "/v2/queues", okStatus: 401, close: () => b.close() };
  },
  "dev server": async (serverLimits) => {
    const d = await startDevServer({ port: 0, tasks: [echo], logger: silentLogger, apiToken: "t", serverLimits });
    return { url: d.url, path: "/", okStatus: 302, close: () => d.close() };
  },
  "Redis REST bridge": async (serverLimits) => {
    const b = await startRedisRestBridge({ redisUrl: TEST_REDIS_URL, port: 0, serverLimits });
    return { url: b.url, path: "/", okStatus: 401, close: () => b.close() };
  },
};

interface RawClient {
  socket: Socket;
  received: () => string;
  closed: Promise<void>;
  opened: Promise<void>;
}

/** Every raw client of the current test, destroyed before its server closes. */
const clients: RawClient[] = [];

/** A raw TCP client: what it has received, and a promise of the connection's end. */
function rawClient(url: string): RawClient {
  const { hostname, port } = new URL(url);
  const socket = connect({ host: hostname, port: Number(port) });
  let data = "";
  socket.on("data", (d) => (data += d.toString("latin1")));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  const opened = new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const client = { socket, received: () => data, closed, opened };
  clients.push(client);
  return client;
}

const within = <T>(promise: Promise<T>, what: string) =>
  Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), CUT_DEADLINE_MS))]);

let running: Started | undefined;
afterEach(async () => {
  for (const c of clients.splice(0)) c.socket.destroy();
  await running?.close();
  running = undefined;
});

describe.each(Object.entries(servers))("%s: limits against slow and greedy clients", (_name, start) => {
  it("cuts off a client that never finishes its headers (408), while a normal client is answered", async () => {
    running = await start(LIMITS);
    const loris = rawClient(running.url);
    await loris.opened;
    loris.socket.write("GET / HTTP/1.1\r\nHost: x\r\nX-Slow: a");
    const normal = await fetch(running.url + running.path, { redirect: "manual" });
    expect(normal.status).toBe(running.okStatus);
    await normal.text();
    await within(loris.closed, "the slow-loris connection to be closed");
    expect(loris.received()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("cuts off a client whose body never arrives in full (408, or its early answer, then the connection closes)", async () => {
    running = await start(LIMITS);
    const slow = rawClient(running.url);
    await slow.opened;
    slow.socket.write("POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,");
    await within(slow.closed, "the slow-body connection to be closed");
    // A route that reads the body answers 408; one that answers without reading it (401, 404, a
    // redirect) has its answer sent, and the connection still does not wait for the body.
    expect(slow.received()).toMatch(/^HTTP\/1\.1 [34]\d\d /);
    const after = await fetch(running.url + running.path, { redirect: "manual" });
    expect(after.status).toBe(running.okStatus);
  });

  it("refuses connections beyond maxConnections, and serves again once one closes", async () => {
    running = await start(LIMITS);
    const max = LIMITS.maxConnections!;
    // Open connections one at a time, each asking once, until the server closes one unanswered.
    // The server may hold connections of its own (the dev server delivers to itself), so the
    // refusal may come before the test holds `max` of them; it must come by the (max + 1)-th.
    const answered: RawClient[] = [];
    let refused: RawClient | undefined;
    for (let i = 0; i <= max && !refused; i++) {
      const c = rawClient(running.url);
      c.socket.write(`GET ${running.path} HTTP/1.1\r\nHost: x\r\n\r\n`);
      const outcome = await within(
        Promise.race([
          c.closed.then(() => "closed" as const),
          waitFor(() => c.received().includes("\r\n\r\n"), { timeoutMs: CUT_DEADLINE_MS, what: "an answer" }).then(() => "answered" as const),
        ]),
        "an answer or a refusal",
      );
      if (outcome === "closed" && c.received() === "") refused = c;
      else answered.push(c);
    }
    expect(refused, `all ${max + 1} connections were answered`).toBeDefined();
    expect(answered.length).toBeLessThanOrEqual(max);
    for (const c of answered) c.socket.destroy();
    await Promise.all(answered.map((c) => c.closed));
    const next = await waitFor(async () => {
      const res = await fetch(running!.url + running!.path, { headers: { connection: "close" }, redirect: "manual" });
      await res.text();
      return res.status;
    }, { timeoutMs: CUT_DEADLINE_MS, what: "a request to be served after the held connections closed" });
    expect(next).toBe(running.okStatus);
  });
});

describe("the Redis REST bridge's request timeout", () => {
  it("does not cut a long answer: a subscription stream opened before a slow-loris outlives its cut", async () => {
    const bridge = await startRedisRestBridge({ redisUrl: TEST_REDIS_URL, port: 0, serverLimits: { headersTimeoutMs: 300, requestTimeoutMs: 300 } });
    running = { url: bridge.url, path: "/", okStatus: 401, close: () => bridge.close() };
    await bridge.bridge.waitUntilReady();
    const token = bridge.token;
    const channel = `celeriac-test-limits-${crypto.randomUUID()}`;
    const stream = await fetch(`${running.url}/subscribe/${channel}`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: "[]" });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    let text = "";
    const readUntil = async (needle: string) => {
      while (!text.includes(needle)) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`stream ended before "${needle}": ${text}`);
        text += new TextDecoder().decode(value);
      }
    };
    await within(readUntil("subscribe"), "the subscribe event");
    // Opened after the stream: once it is cut, the stream's own request is older than the timeout too.
    const loris = rawClient(running.url);
    await loris.opened;
    loris.socket.write("GET / HTTP/1.1\r\nHost: x\r\n");
    await within(loris.closed, "the slow-loris connection to be closed");
    await fetch(`${running.url}/publish/${channel}/still-here`, { method: "POST", headers: { authorization: `Bearer ${token}` } }).then((r) => r.text());
    await within(readUntil("still-here"), "the message published after the cut");
    await reader.cancel();
  });
});

describe("server limits", () => {
  it("defaults bound headers at 10 s, a request at 30 s, idle keep-alive at 5 s, and 1,024 connections", () => {
    expect(DEFAULT_SERVER_LIMITS).toEqual({ headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5_000, maxConnections: 1024 });
    expect(resolveServerLimits({ maxConnections: 10 })).toEqual({ ...DEFAULT_SERVER_LIMITS, maxConnections: 10 });
  });

  it("refuses a limit that is not a whole number ≥ 1, or headers allowed longer than the request, before listening", async () => {
    expect(() => resolveServerLimits({ maxConnections: 0 })).toThrow(new ConfigError("server limit maxConnections must be a whole number ≥ 1, not 0."));
    expect(() => resolveServerLimits({ headersTimeoutMs: 1.5 })).toThrow(/headersTimeoutMs must be a whole number/);
    expect(() => resolveServerLimits({ headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(
      "server limit headersTimeoutMs (5000) must not exceed requestTimeoutMs (1000).",
    );
    await expect(startBrokerServer({ port: 0, serverLimits: { requestTimeoutMs: -1 } })).rejects.toBeInstanceOf(ConfigError);
  });
});
