/**
 * The official, unmodified @upstash/redis client against the Redis REST bridge over a real Redis,
 * in every client mode: auto-pipelining on/off × response encoding base64/off.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Redis } from "@upstash/redis";
import { eventually, keyPrefix, requireRedis, useTestBridge, type TestBridge } from "./fixtures.ts";

const hasRedis = await requireRedis();
const prefix = keyPrefix("bridge-client");

let server: TestBridge;
useTestBridge(hasRedis, prefix, (s) => (server = s));

const modes = [
  { name: "base64 encoding, auto-pipelining", responseEncoding: "base64", enableAutoPipelining: true },
  { name: "base64 encoding, no auto-pipelining", responseEncoding: "base64", enableAutoPipelining: false },
  { name: "no encoding, auto-pipelining", responseEncoding: false, enableAutoPipelining: true },
  { name: "no encoding, no auto-pipelining", responseEncoding: false, enableAutoPipelining: false },
] as const;

describe.skipIf(!hasRedis).each(modes)("@upstash/redis through the bridge ($name)", (mode) => {
  let redis: Redis;
  let p: string;
  beforeAll(() => {
    redis = server.client({ responseEncoding: mode.responseEncoding, enableAutoPipelining: mode.enableAutoPipelining });
    p = `${prefix}${mode.responseEncoding}:${mode.enableAutoPipelining}:`;
  });

  it("strings round-trip JSON values, text and unicode", async () => {
    const value = { id: 7, tags: ["a", "OK"], nested: { ok: true, n: null } };
    expect(await redis.set(`${p}json`, value)).toBe("OK");
    expect(await redis.get(`${p}json`)).toEqual(value);
    await redis.set(`${p}text`, "hello world");
    expect(await redis.get(`${p}text`)).toBe("hello world");
    await redis.set(`${p}ok`, "OK");
    expect(await redis.get(`${p}ok`)).toBe("OK");
    await redis.set(`${p}v1`, "v1");
    expect(await redis.get(`${p}v1`)).toBe("v1");
    await redis.set(`${p}uni`, "zaŻółć 🚀 \u0000 end");
    expect(await redis.get(`${p}uni`)).toBe("zaŻółć 🚀 \u0000 end");
    expect(await redis.get(`${p}missing`)).toBeNull();
    expect(await redis.mget(`${p}json`, `${p}missing`, `${p}ok`, `${p}v1`)).toEqual([value, null, "OK", "v1"]);
  });

  it("numbers and incr return numbers", async () => {
    await redis.set(`${p}num`, 42);
    expect(await redis.get(`${p}num`)).toBe(42);
    expect(await redis.incr(`${p}num`)).toBe(43);
    expect(await redis.incrby(`${p}num`, 10)).toBe(53);
    expect(await redis.incr(`${p}fresh`)).toBe(1);
    expect(await redis.incrbyfloat(`${p}float`, 1.5)).toBe(1.5);
    await redis.set(`${p}bool`, true);
    expect(await redis.get(`${p}bool`)).toBe(true);
  });

  it("hashes: hset and hgetall give back the object", async () => {
    expect(await redis.hset(`${p}hash`, { name: "ada", age: 36, ok: "OK", meta: { x: 1 } })).toBe(4);
    expect(await redis.hgetall(`${p}hash`)).toEqual({ name: "ada", age: 36, ok: "OK", meta: { x: 1 } });
    expect(await redis.hget(`${p}hash`, "age")).toBe(36);
    expect(await redis.hgetall(`${p}no-hash`)).toBeNull();
  });

  it("sorted sets keep members and scores", async () => {
    await redis.zadd(`${p}z`, { score: 2.5, member: "b" }, { score: 1, member: "a" }, { score: 10, member: "OK" });
    expect(await redis.zrange(`${p}z`, 0, -1)).toEqual(["a", "b", "OK"]);
    expect(await redis.zrange(`${p}z`, 0, -1, { withScores: true })).toEqual(["a", 1, "b", 2.5, "OK", 10]);
    expect(await redis.zscore(`${p}z`, "b")).toBe(2.5);
    expect(await redis.zrange(`${p}z`, 2, 10, { byScore: true })).toEqual(["b", "OK"]);
  });

  it("set with nx and px writes once and expires", async () => {
    // A TTL long enough that a busy machine cannot let it lapse between these calls.
    expect(await redis.set(`${p}lock`, "first", { nx: true, px: 60_000 })).toBe("OK");
    expect(await redis.set(`${p}lock`, "second", { nx: true, px: 60_000 })).toBeNull();
    expect(await redis.get(`${p}lock`)).toBe("first");
    const pttl = await redis.pttl(`${p}lock`);
    expect(pttl).toBeGreaterThan(0);
    expect(pttl).toBeLessThanOrEqual(60_000);
    // Expiry on a short-lived key: wait (with a deadline) until it is gone, then NX takes it again.
    expect(await redis.set(`${p}short`, "first", { nx: true, px: 50 })).toBe("OK");
    await eventually(async () => (await redis.get(`${p}short`)) === null, 10_000, "the 50 ms key to expire");
    expect(await redis.set(`${p}short`, "third", { nx: true, px: 60_000 })).toBe("OK");
  });

  it("expire and ttl", async () => {
    await redis.set(`${p}ttl`, "x");
    expect(await redis.ttl(`${p}ttl`)).toBe(-1);
    expect(await redis.expire(`${p}ttl`, 100)).toBe(1);
    const ttl = await redis.ttl(`${p}ttl`);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.ttl(`${p}no-such-key`)).toBe(-2);
  });

  it("eval returns nested tables with nils, integers, statuses and strings", async () => {
    await redis.set(`${p}evk`, { a: 1 });
    const script = `
      return { redis.call('GET', KEYS[1]), ARGV[1], 42, 3.99, false,
               { 'OK', redis.status_reply('PONG'), { ARGV[2], -7 } } }`;
    const result = await redis.eval(script, [`${p}evk`], ["plain text", "v1"]);
    // Redis converts Lua false to nil and truncates 3.99 to 3.
    expect(result).toEqual([{ a: 1 }, "plain text", 42, 3, null, ["OK", "PONG", ["v1", -7]]]);
    const nested = await redis.eval("return { 1, { 'OK', redis.status_reply('PONG'), { ARGV[1], -7 } }, 'x' }", [], ["v1"]);
    expect(nested).toEqual([1, ["OK", "PONG", ["v1", -7]], "x"]);
    expect(await redis.eval("return redis.status_reply('OK')", [], [])).toBe("OK");
    expect(await redis.eval("return nil", [], [])).toBeNull();
  });

  it("scriptLoad + evalsha, and createScript falls back to EVAL on NOSCRIPT", async () => {
    const src = `return { KEYS[1], tonumber(ARGV[1]) + 1 } -- ${p}${Math.random()}`;
    const sha = await redis.scriptLoad(src);
    expect(sha).toMatch(/^[0-9a-f]{40}$/);
    expect(await redis.evalsha(sha, ["k"], [41])).toEqual(["k", 42]);

    const fresh = `return ARGV[1] .. '!' -- never loaded ${p}${Math.random()}`;
    const script = redis.createScript<string>(fresh);
    await expect(script.evalsha([], ["hi"])).rejects.toThrow(/NOSCRIPT/);
    expect(await script.exec([], ["hi"])).toBe("hi!");
    expect(await redis.scriptExists(script.sha1)).toEqual([1]);
    expect(await script.evalsha([], ["again"])).toBe("again!");
  });

  it("an explicit pipeline runs in order and reports per-command errors", async () => {
    const results = await redis
      .pipeline()
      .set(`${p}pl`, 1)
      .incr(`${p}pl`)
      .get(`${p}pl`)
      .hset(`${p}pl-h`, { f: "v" })
      .hgetall(`${p}pl-h`)
      .exec();
    expect(results).toEqual(["OK", 2, 2, 1, { f: "v" }]);

    const kept = await redis.pipeline().set(`${p}pl2`, "text").incr(`${p}pl2`).get(`${p}pl2`).exec({ keepErrors: true });
    expect(kept[0]).toEqual({ result: "OK", error: undefined });
    expect(kept[1].error).toMatch(/not an integer/);
    expect(kept[2]).toEqual({ result: "text", error: undefined });
    await expect(redis.pipeline().set(`${p}pl3`, "text").incr(`${p}pl3`).exec()).rejects.toThrow(/Command 2 \[ incr \] failed/);
  });

  it("multi runs atomically and returns every result", async () => {
    const results = await redis.multi().set(`${p}tx`, 10).incr(`${p}tx`).get(`${p}tx`).zadd(`${p}tx-z`, { score: 1, member: "m" }).exec();
    expect(results).toEqual(["OK", 11, 11, 1]);
    await expect(redis.multi().set(`${p}tx2`, "text").incr(`${p}tx2`).exec()).rejects.toThrow(/not an integer/);
    expect(await redis.get(`${p}tx2`)).toBe("text");
  });

  it("2,500 concurrent commands all get their own reply", async () => {
    // Without auto-pipelining each command is its own HTTP request: a smaller batch keeps the suite fast.
    const n = mode.enableAutoPipelining ? 2500 : 300;
    const before = (server.requests.get("/pipeline") ?? 0) + (server.requests.get("/") ?? 0);
    const writes = await Promise.all(Array.from({ length: n }, (_, i) => redis.set(`${p}ap:${i}`, { i, label: `v${i}` })));
    expect(writes.every((r) => r === "OK")).toBe(true);
    const mixed = await Promise.all(
      Array.from({ length: n }, (_, i) => (i % 2 === 0 ? redis.get(`${p}ap:${i}`) : redis.incrby(`${p}ap-c:${i}`, i))),
    );
    mixed.forEach((reply, i) => expect(reply).toEqual(i % 2 === 0 ? { i, label: `v${i}` } : i));
    const requests = (server.requests.get("/pipeline") ?? 0) + (server.requests.get("/") ?? 0) - before;
    if (mode.enableAutoPipelining) expect(requests).toBeLessThanOrEqual(12);
    else expect(requests).toBe(2 * n);
  });
});
