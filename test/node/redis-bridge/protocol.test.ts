/**
 * The Redis REST bridge's wire protocol as a client sees it: encoding at every depth, status codes
 * and error shapes, refusals, argument coercion, the path form, and the official client's errors.
 */
import { describe, expect, it } from "vitest";
import { keyPrefix, requireRedis, useTestBridge, type TestBridge } from "./fixtures.ts";

const hasRedis = await requireRedis();
const p = keyPrefix("bridge-protocol");
const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const BASE64 = { "upstash-encoding": "base64" };

let server: TestBridge;
useTestBridge(hasRedis, p, (s) => (server = s));

describe.skipIf(!hasRedis)("Redis REST bridge wire format", () => {
  const nestedScript = "return { 'OK', 'v1', 7, false, { redis.status_reply('PONG'), { 'deep', -1 } } }";

  it("base64-encodes every string at every depth, leaving integers, nulls and a top-level OK raw", async () => {
    expect(await server.post("/", ["SET", `${p}a`, "OK"], BASE64)).toEqual({ status: 200, body: { result: "OK" } });
    expect((await server.post("/", ["GET", `${p}a`], BASE64)).body).toEqual({ result: "OK" });
    expect((await server.post("/", ["PING"], BASE64)).body).toEqual({ result: b64("PONG") });
    expect((await server.post("/", ["ECHO", "héllo"], BASE64)).body).toEqual({ result: b64("héllo") });
    expect((await server.post("/", ["EVAL", nestedScript, 0], BASE64)).body).toEqual({
      result: [b64("OK"), b64("v1"), 7, null, [b64("PONG"), [b64("deep"), -1]]],
    });
    expect((await server.post("/", ["MGET", `${p}a`, `${p}none`], BASE64)).body).toEqual({ result: [b64("OK"), null] });
  });

  it("sends plain UTF-8 strings when the client does not ask for base64", async () => {
    expect((await server.post("/", ["EVAL", nestedScript, 0])).body).toEqual({
      result: ["OK", "v1", 7, null, ["PONG", ["deep", -1]]],
    });
    expect((await server.post("/", ["EVAL", "return string.char(255) .. 'x'", 0])).body).toEqual({ result: "\uFFFDx" });
  });

  it("keeps the exact text of integers beyond 2^53", async () => {
    await server.post("/", ["SET", `${p}big`, "9223372036854775806"]);
    const res = await fetch(`${server.url}/`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}` },
      body: JSON.stringify(["INCR", `${p}big`]),
    });
    expect(await res.text()).toBe('{"result":9223372036854775807}');
  });

  it("answers a pipeline with one result or error per command, errors never encoded", async () => {
    const res = await server.post(
      "/pipeline",
      [["SET", `${p}pl`, 1], ["HSET", `${p}pl`, "f", "v"], ["INCR", `${p}pl`], ["BLPOP", `${p}list`, 0], ["GET", `${p}pl`]],
      BASE64,
    );
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { result: "OK" },
      { error: "WRONGTYPE Operation against a key holding the wrong kind of value" },
      { result: 2 },
      { error: expect.stringMatching(/^ERR BLPOP is not supported by the Redis REST bridge/) },
      { result: b64("2") },
    ]);
  });

  it("answers a transaction with per-command results, and runtime errors in their own slot", async () => {
    const res = await server.post("/multi-exec", [["SET", `${p}tx`, "text"], ["INCR", `${p}tx`], ["GET", `${p}tx`]], BASE64);
    expect(res).toEqual({
      status: 200,
      body: [{ result: "OK" }, { error: "ERR value is not an integer or out of range" }, { result: b64("text") }],
    });
  });

  it("discards a transaction with a queue-time error as one 400 error, running nothing", async () => {
    const res = await server.post("/multi-exec", [["SET", `${p}tx-discard`, "1"], ["NOSUCHCOMMAND", "x"]]);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^EXECABORT .*Command 1 \(NOSUCHCOMMAND\) failed: ERR unknown command/);
    expect((await server.post("/", ["EXISTS", `${p}tx-discard`])).body).toEqual({ result: 0 });
    const refused = await server.post("/multi-exec", [["SET", `${p}tx-discard`, "1"], ["WATCH", "x"]]);
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatch(/EXECABORT.*WATCH is not supported/);
  });

  it("runs 200 concurrent transactions on one connection without interleaving them", async () => {
    const all = await Promise.all(
      Array.from({ length: 200 }, () => server.post("/multi-exec", [["INCR", `${p}ctx`], ["INCR", `${p}ctx`]])),
    );
    for (const { status, body } of all) {
      expect(status).toBe(200);
      expect(body[1].result).toBe(body[0].result + 1);
    }
    expect((await server.post("/", ["GET", `${p}ctx`])).body).toEqual({ result: "400" });
  });

  it("coerces numbers, booleans and null arguments to strings", async () => {
    await server.post("/pipeline", [["SET", `${p}n`, 1.5], ["SET", `${p}t`, true], ["SET", `${p}null`, null]]);
    expect((await server.post("/", ["MGET", `${p}n`, `${p}t`, `${p}null`])).body).toEqual({ result: ["1.5", "true", ""] });
    expect((await server.post("/", ["ZADD", `${p}z`, 2, "m"])).body).toEqual({ result: 1 });
    const bad = await server.post("/", ["SET", `${p}obj`, { a: 1 }]);
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/argument 2 of SET is an object/);
  });

  it("supports the path form with a raw body and query options", async () => {
    const set = await fetch(`${server.url}/set/${encodeURIComponent(`${p}path`)}?EX=100`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.token}` },
      body: "raw body text",
    });
    expect(await set.json()).toEqual({ result: "OK" });
    const get = await fetch(`${server.url}/get/${encodeURIComponent(`${p}path`)}?_token=${server.token}`);
    expect(await get.json()).toEqual({ result: "raw body text" });
    const ttl = await fetch(`${server.url}/ttl/${encodeURIComponent(`${p}path`)}?_token=${server.token}`);
    expect((await ttl.json()).result).toBeGreaterThan(90);
  });
});

describe.skipIf(!hasRedis)("Redis REST bridge errors", () => {
  it("a wrong token makes the official client throw an auth error", async () => {
    const wrong = server.client({ token: "not-the-token" });
    await expect(wrong.get(`${p}x`)).rejects.toThrow(/WRONGPASS invalid or missing auth token/);
    const raw = await fetch(`${server.url}/`, { method: "POST", body: '["PING"]' });
    expect(raw.status).toBe(401);
    expect(await raw.json()).toEqual({ error: expect.stringMatching(/^WRONGPASS/) });
  });

  it("a blocking command is refused with a clear message, and the bridge keeps serving", async () => {
    const redis = server.client();
    await expect(redis.exec(["BLPOP", `${p}queue`, "0"])).rejects.toThrow(
      /BLPOP is not supported by the Redis REST bridge: it blocks.*Use the non-blocking form/,
    );
    const xread = await server.post("/", ["XREAD", "BLOCK", 0, "STREAMS", `${p}stream`, "$"]);
    expect(xread).toEqual({ status: 400, body: { error: expect.stringMatching(/XREAD with BLOCK is not supported/) } });
    for (const command of [["SUBSCRIBE", "chan"], ["MONITOR"], ["SELECT", 1], ["MULTI"], ["CLIENT", "LIST"]]) {
      expect((await server.post("/", command)).status).toBe(400);
    }
    expect(await redis.ping()).toBe("PONG");
    expect((await server.post("/", ["XREAD", "COUNT", 1, "STREAMS", `${p}stream`, "0"])).body).toEqual({ result: null });
  });

  it("a Redis error on a single command is a 400 the client raises with Redis's text", async () => {
    const redis = server.client({ enableAutoPipelining: false });
    await redis.set(`${p}str`, "text");
    await expect(redis.incr(`${p}str`)).rejects.toThrow(/ERR value is not an integer or out of range, command was/);
    const raw = await server.post("/", ["EVALSHA", "0".repeat(40), 0]);
    expect(raw).toEqual({ status: 400, body: { error: expect.stringMatching(/^NOSCRIPT/) } });
  });

  it("a malformed body is a 400 with an error, and the bridge keeps serving", async () => {
    const bad = await server.post("/", "[\"SET\", \"k\"");
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
    for (const [path, body] of [["/", "{}"], ["/", "[]"], ["/pipeline", "[]"], ["/pipeline", '"x"'], ["/multi-exec", "{}"]]) {
      const res = await server.post(path, body);
      expect(res.status).toBe(400);
      expect(typeof res.body.error).toBe("string");
    }
    expect((await server.post("/", ["PING"])).body).toEqual({ result: "PONG" });
  });

  it("other methods get 405, unsupported response formats 400", async () => {
    const del = await fetch(`${server.url}/`, { method: "DELETE", headers: { authorization: `Bearer ${server.token}` } });
    expect(del.status).toBe(405);
    expect(await del.json()).toEqual({ error: expect.stringMatching(/method DELETE is not allowed/) });
    const resp2 = await server.post("/", ["PING"], { "upstash-response-format": "resp2" });
    expect(resp2.status).toBe(400);
  });
});
