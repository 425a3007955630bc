import { readdirSync } from "node:fs";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { LuaScript } from "../../../src/backend/redis/scripts/script.ts";
import { createRedisBrokerStore } from "../../../src/node/broker/redis-store.ts";
import { connectDirect, REDIS_SERVER_BIN, startPrivateRedis } from "../../backend/redis-env.ts";
import { redisAvailable, REDIS_URL } from "./redis-helpers.ts";

const hasRedis = await redisAvailable();
const dir = new URL("../../../src/node/broker/scripts/", import.meta.url);

describe.skipIf(!hasRedis)("broker Redis scripts", () => {
  it("every script is a LuaScript that compiles in Redis (SCRIPT LOAD) under the SHA-1 the runner sends", async () => {
    const client = createClient({ url: REDIS_URL, RESP: 2 });
    client.on("error", () => {});
    await client.connect();
    try {
      const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
      expect(files.length).toBeGreaterThanOrEqual(10);
      for (const file of files) {
        const exported = Object.values((await import(new URL(file, dir).href)) as Record<string, unknown>);
        expect(exported, file).toHaveLength(1);
        const script = exported[0] as LuaScript;
        expect(script, file).toBeInstanceOf(LuaScript);
        expect(`${script.name}.ts`).toBe(file);
        expect(await client.scriptLoad(script.source), file).toBe(await script.sha());
      }
    } finally {
      await client.close();
    }
  });

  it.skipIf(!REDIS_SERVER_BIN)("the store's scripts run again after SCRIPT FLUSH: EVALSHA answers NOSCRIPT, the runner falls back to EVAL", async () => {
    // A private server: SCRIPT FLUSH and INFO commandstats see only this test's traffic.
    const server = await startPrivateRedis();
    const store = await createRedisBrokerStore({ url: server.url });
    const admin = await connectDirect(server.url);
    try {
      const evals = async () => Number(/cmdstat_eval:calls=(\d+)/.exec(await admin.info("commandstats"))?.[1] ?? 0);
      const dedup = (id: string) => store.dedup.claim("k", id, Date.now(), 60_000);
      expect(await dedup("m1")).toBeUndefined();
      const before = await evals();
      await admin.scriptFlush();
      expect(await dedup("m2")).toBe("m1");
      expect(await evals()).toBe(before + 1);
      expect(await dedup("m3")).toBe("m1");
      expect(await evals()).toBe(before + 1);
    } finally {
      await admin.close();
      await store.close();
      await server.stop();
    }
  });
});
