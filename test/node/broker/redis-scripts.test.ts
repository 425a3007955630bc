import { readdirSync } from "node:fs";
import { createClient } from "redis";
import { describe, expect, it } from "vitest";
import { redisAvailable, REDIS_URL } from "./redis-helpers.ts";

const hasRedis = await redisAvailable();
const dir = new URL("../../../src/node/broker/scripts/", import.meta.url);

describe.skipIf(!hasRedis)("broker Redis scripts", () => {
  it("every script compiles in Redis (SCRIPT LOAD)", async () => {
    const client = createClient({ url: REDIS_URL, RESP: 2 });
    client.on("error", () => {});
    await client.connect();
    try {
      const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
      expect(files.length).toBeGreaterThanOrEqual(10);
      for (const file of files) {
        const mod = (await import(new URL(file, dir).href)) as Record<string, string>;
        const [source] = Object.values(mod);
        expect(await client.scriptLoad(source), file).toMatch(/^[0-9a-f]{40}$/);
      }
    } finally {
      await client.close();
    }
  });
});
