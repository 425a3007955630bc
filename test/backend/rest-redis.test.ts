/**
 * `createRestRedis` (the fetch-only client of the Workers profile) answers what the official
 * `@upstash/redis` client answers with `automaticDeserialization: false`, command by command,
 * through the REST bridge to the real Redis; its errors keep Redis's text (so the NOSCRIPT →
 * EVAL fallback works); and its transport (sync token, network retries, bad bodies) behaves as
 * the official client's. Fails (not skips) in CI when Redis is missing.
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RedisBackend } from "../../src/backend/redis/redis-backend.ts";
import { createRestRedis } from "../../src/backend/redis/rest-redis.ts";
import { isNoScript } from "../../src/backend/redis/scripts/script.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { STARTED } from "../../src/states.ts";
import { meta } from "./contract.ts";
import { connectDirect, deleteByPrefix, IN_CI, type NodeRedis, type PrivateRedis, randomPrefix, REDIS_SERVER_BIN, requireRedis, startBridge, startPrivateRedis } from "./redis-env.ts";

const redisUp = await requireRedis();
const prefix = randomPrefix("rest-redis");
if (!REDIS_SERVER_BIN && IN_CI) throw new Error("CI is set but redis-server is not installed: apt-get install redis-server.");

describe.skipIf(!redisUp)("createRestRedis against the official client", () => {
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;
  let official: Redis;
  let slim: ReturnType<typeof createRestRedis>;

  beforeAll(async () => {
    bridge = await startBridge();
    direct = await connectDirect();
    official = new Redis({ url: bridge.url, token: bridge.token, enableTelemetry: false, retry: { retries: 0 }, automaticDeserialization: false });
    slim = createRestRedis({ url: bridge.url, token: bridge.token, retries: 0 });
  });
  afterAll(async () => {
    await deleteByPrefix(direct, prefix);
    await direct?.close();
    await bridge?.close();
  });

  /** Run `call` with each client on its own key; both answers must be equal. */
  async function same(call: (r: typeof slim, key: string) => Promise<unknown>): Promise<unknown> {
    const a = await call(official, `${prefix}o:${crypto.randomUUID()}`);
    const b = await call(slim, `${prefix}s:${crypto.randomUUID()}`);
    expect(b).toEqual(a);
    return b;
  }

  it("get and set answer the same raw values: text, unicode, JSON text, numbers as text, a value \"OK\", missing keys", async () => {
    for (const value of ["plain", "ünïcødé ✓ 🥕", '{"status":"SUCCESS","result":42}', "123", "OK", "", '"quoted"']) {
      expect(await same(async (r, k) => [await r.set(k, value, { px: 60_000 }), await r.get(k)])).toEqual(["OK", value]);
    }
    expect(await same((r, k) => r.get(k))).toBeNull();
  });

  it("set with nx, get and px answers as the official client: OK then null, and the previous value with get", async () => {
    expect(await same(async (r, k) => [await r.set(k, "a", { nx: true, px: 60_000 }), await r.set(k, "b", { nx: true, px: 60_000 })])).toEqual(["OK", null]);
    expect(await same(async (r, k) => [await r.set(k, '{"id":"1"}', { nx: true, get: true, px: 60_000 }), await r.set(k, '{"id":"2"}', { nx: true, get: true, px: 60_000 })])).toEqual([null, '{"id":"1"}']);
  });

  it("del and exists answer counts", async () => {
    expect(await same(async (r, k) => [await r.set(k, "v", { px: 60_000 }), await r.exists(k, `${k}:none`), await r.del(k), await r.exists(k)])).toEqual(["OK", 1, 1, 0]);
  });

  it("eval and evalsha answer nested Lua tables decoded at every level", async () => {
    const script = "return {1, 'text', {'OK', 'ü', {KEYS[1], ARGV[1]}}, redis.call('SET', KEYS[1], ARGV[1]), false, 3.99, redis.status_reply('PONG')}";
    const reply = await same((r, k) => r.eval(script, [k], ['{"v":1}']).then((v) => (v as unknown[]).map((x, i) => (i === 2 ? [(x as unknown[])[0], (x as unknown[])[1], ((x as unknown[])[2] as string[])[1]] : x))));
    expect(reply).toEqual([1, "text", ["OK", "ü", '{"v":1}'], "OK", null, 3, "PONG"]);
    const sha = await direct.scriptLoad("return {ARGV[1], #KEYS}");
    expect(await same((r, k) => r.evalsha(sha, [k, `${k}:2`], ["a b"]))).toEqual(["a b", 2]);
  });

  it("an unknown script SHA fails with Redis's NOSCRIPT text, which the script runner recognises", async () => {
    const errors: unknown[] = [];
    for (const r of [official, slim]) errors.push(await r.evalsha("0".repeat(40), [], []).catch((e: unknown) => e));
    for (const err of errors) {
      expect(err).toMatchObject({ name: "UpstashError" });
      expect(isNoScript(err)).toBe(true);
    }
  });

  it("a Lua error fails with Redis's text", async () => {
    const key = `${prefix}txt`;
    await direct.set(key, "not a number", { PX: 60_000 });
    // The official client wraps it as its auto-pipeline item error ("Command failed: …"); the slim
    // client sends one command and, like the official one on a single command, appends it.
    for (const r of [official, slim]) {
      const err = (await r.eval("return redis.call('INCR', KEYS[1])", [key], []).catch((e: unknown) => e)) as Error;
      expect(err).toMatchObject({ name: "UpstashError", message: expect.stringContaining("ERR value is not an integer or out of range") });
    }
  });
});

describe.skipIf(!REDIS_SERVER_BIN)("RedisBackend over createRestRedis after SCRIPT FLUSH", () => {
  let server: PrivateRedis;
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;

  beforeAll(async () => {
    server = await startPrivateRedis();
    bridge = await startBridge(server.url);
    direct = await connectDirect(server.url);
  });
  afterAll(async () => {
    await direct?.close();
    await bridge?.close();
    await server?.stop();
  });

  it("falls back from EVALSHA (NOSCRIPT) to EVAL once, then runs EVALSHA alone", async () => {
    const backend = new RedisBackend({ redis: createRestRedis({ url: bridge.url, token: bridge.token }), resultExpiresMs: 60_000, prefix: "flush" });
    await direct.scriptFlush();
    const id = crypto.randomUUID();
    await backend.storeMeta(meta(id, STARTED), 60_000);
    // storeMeta makes 1 redis.call: EVALSHA (NOSCRIPT) + EVAL + 1 the first time, EVALSHA + 1 after.
    expect(backend.commands.snapshot().byOperation.storeMeta).toBe(3);
    await backend.storeMeta(meta(id, STARTED), 60_000);
    expect(backend.commands.snapshot().byOperation.storeMeta).toBe(5);
    expect(await backend.getMeta(id)).toMatchObject({ task_id: id, status: STARTED });
  });
});

describe("createRestRedis transport", () => {
  /** A fetch that records requests and answers from `replies` in order. */
  function fakeFetch(replies: (() => Response)[]) {
    const requests: { url: string; headers: Record<string, string>; body: string }[] = [];
    const f: typeof fetch = async (input, init) => {
      requests.push({ url: String(input), headers: { ...(init?.headers as Record<string, string>) }, body: String(init?.body) });
      const next = replies.shift();
      if (!next) throw new Error("no more replies");
      return next();
    };
    return { fetch: f, requests };
  }
  const json = (value: unknown, headers: Record<string, string> = {}, status = 200) => () => new Response(JSON.stringify(value), { status, headers });

  it("posts the command array to the base URL with the token and base64 encoding", async () => {
    const f = fakeFetch([json({ result: btoa("v") })]);
    const redis = createRestRedis({ url: "https://db.example.upstash.io/", token: "tok", fetch: f.fetch });
    expect(await redis.get("k")).toBe("v");
    expect(f.requests[0]).toMatchObject({
      url: "https://db.example.upstash.io",
      body: '["get","k"]',
      headers: { Authorization: "Bearer tok", "Content-Type": "application/json", "Upstash-Encoding": "base64" },
    });
  });

  it("sends back the sync token of the previous response (read your writes)", async () => {
    const f = fakeFetch([json({ result: "OK" }, { "upstash-sync-token": "t-1" }), json({ result: null }, { "upstash-sync-token": "t-2" }), json({ result: 0 })]);
    const redis = createRestRedis({ url: "https://db.example", token: "tok", fetch: f.fetch });
    await redis.set("k", "v");
    await redis.get("k");
    await redis.exists("k");
    expect(f.requests.map((r) => r.headers["upstash-sync-token"])).toEqual(["", "t-1", "t-2"]);
  });

  it("retries a request whose fetch throws, and never an HTTP error", async () => {
    let calls = 0;
    const flaky: typeof fetch = async () => {
      if (++calls === 1) throw new TypeError("fetch failed");
      return new Response(JSON.stringify({ result: 1 }));
    };
    expect(await createRestRedis({ url: "https://db.example", token: "t", fetch: flaky, retries: 1 }).del("k")).toBe(1);
    expect(calls).toBe(2);
    const f = fakeFetch([json({ error: "ERR boom" }, {}, 400), json({ result: 1 })]);
    await expect(createRestRedis({ url: "https://db.example", token: "t", fetch: f.fetch, retries: 3 }).del("k")).rejects.toMatchObject({ name: "UpstashError", message: 'ERR boom, command was: ["del","k"]' });
    expect(f.requests).toHaveLength(1);
  });

  it("reports an error reply, a body that is not JSON, and a missing result", async () => {
    const f = fakeFetch([json({ error: "NOSCRIPT No matching script." }), () => new Response("<html>bad gateway</html>", { status: 502 }), json({})]);
    const redis = createRestRedis({ url: "https://db.example", token: "t", fetch: f.fetch });
    await expect(redis.evalsha("abc", [], [])).rejects.toMatchObject({ name: "UpstashError", message: "NOSCRIPT No matching script." });
    await expect(redis.get("k")).rejects.toMatchObject({ message: "Unable to parse response body: <html>bad gateway</html>" });
    await expect(redis.get("k")).rejects.toThrow("Request did not return a result");
  });

  it("leaves a bare OK and text that is not base64 as they are", async () => {
    const f = fakeFetch([json({ result: "OK" }), json({ result: "hello" }), json({ result: [btoa("a"), [btoa("b"), [btoa("c"), 2]], null] })]);
    const redis = createRestRedis({ url: "https://db.example", token: "t", fetch: f.fetch });
    expect(await redis.set("k", "v")).toBe("OK");
    expect(await redis.get("k")).toBe("hello");
    expect(await redis.eval("", [], [])).toEqual(["a", ["b", ["c", 2]], null]);
  });

  it("refuses to build without a URL or a token, naming the variables", () => {
    expect(() => createRestRedis({ url: "", token: "t" })).toThrow(expect.objectContaining({ name: "ConfigError", message: expect.stringMatching(/UPSTASH_REDIS_REST_URL/) }));
  });
});
