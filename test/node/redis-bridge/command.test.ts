/** `celeriac redis-bridge`: the printed settings work with the official client; bad flags are explained. */
import { Redis } from "@upstash/redis";
import { afterAll, describe, expect, it } from "vitest";
import { runRedisBridge } from "../../../src/node/cli/redis-bridge-command.ts";
import { REDIS_URL, deleteKeys, eventually, keyPrefix, requireRedis } from "./fixtures.ts";

const hasRedis = await requireRedis();
const p = keyPrefix("bridge-command");
afterAll(async () => {
  if (hasRedis) await deleteKeys(p);
});

/** Starts the command; resolves with its printed UPSTASH_* settings and a way to stop it. */
async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const stop = new AbortController();
  // REDIS_URL, the default when no --redis is given, is the suite's private redis-server.
  const done = runRedisBridge(argv, { signal: stop.signal, out: (l) => out.push(l), err: (l) => err.push(l), env: { REDIS_URL } });
  await eventually(async () => out.length >= 2, 5000, "the UPSTASH_* lines");
  const settings = Object.fromEntries(out.map((line) => line.split(/=(.*)/s).slice(0, 2)));
  return { settings, err, stop: () => (stop.abort(), done) };
}

describe.skipIf(!hasRedis)("celeriac redis-bridge", () => {
  it("prints UPSTASH_REDIS_REST_URL and _TOKEN that the official client can use, then stops on abort", async () => {
    const bridge = await run(["--redis", REDIS_URL, "--port", "0", "--token", "cli-secret"]);
    expect(bridge.settings.UPSTASH_REDIS_REST_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(bridge.settings.UPSTASH_REDIS_REST_TOKEN).toBe("cli-secret");
    const redis = new Redis({
      url: bridge.settings.UPSTASH_REDIS_REST_URL,
      token: bridge.settings.UPSTASH_REDIS_REST_TOKEN,
      enableTelemetry: false,
      retry: { retries: 0 },
    });
    expect(await redis.set(`${p}k`, { via: "cli" })).toBe("OK");
    expect(await redis.get(`${p}k`)).toEqual({ via: "cli" });
    await eventually(async () => bridge.err.some((l) => l.includes("ready")), 5000, "the ready message");
    await bridge.stop();
    await expect(redis.get(`${p}k`)).rejects.toThrow();
  });

  it("generates a token when none is given", async () => {
    const bridge = await run(["--port", "0"]);
    try {
      expect(bridge.settings.UPSTASH_REDIS_REST_TOKEN).toMatch(/^[A-Za-z0-9_-]{32}$/);
    } finally {
      await bridge.stop();
    }
  });
});

describe("celeriac redis-bridge arguments", () => {
  it("explains a bad port, Redis URL or unknown flag in one line", async () => {
    await expect(runRedisBridge(["--port", "http"], { env: {} })).rejects.toThrow(/^--port must be a whole number from 0 to 65535/);
    await expect(runRedisBridge(["--nope"], { env: {} })).rejects.toThrow(/^unknown option --nope$/);
    await expect(runRedisBridge(["--redis", "http://127.0.0.1:1", "--port", "0"], { env: {} })).rejects.toThrow(
      /^--redis must be a redis:\/\/ or rediss:\/\/ URL/,
    );
  });
});
