import { Client } from "@upstash/qstash";
import { afterAll, describe, expect, it, vi } from "vitest";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_TOKEN } from "../../../src/broker/local/dev-credentials.ts";
import { brokerCommand } from "../../../src/node/cli/broker-command.ts";
import { startBrokerServer } from "../../../src/node/broker/server.ts";
import { cleanup, randomPrefix, redisAvailable, REDIS_URL } from "../broker/redis-helpers.ts";
import { startReceiver, waitFor } from "../../broker/local/helpers.ts";

const hasRedis = await redisAvailable();
const prefix = randomPrefix("command");
afterAll(async () => {
  if (hasRedis) await cleanup(prefix);
});

describe("celeriac broker", () => {
  it("prints the four QSTASH_* lines, serves the dev keys, and stops on SIGINT", async () => {
    let out = "";
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
    const running = brokerCommand.run(["--port", "0"]);
    try {
      await waitFor(() => out.includes("QSTASH_NEXT_SIGNING_KEY="), 5000, "the QSTASH_* lines");
    } finally {
      write.mockRestore();
    }
    const env = Object.fromEntries(out.split("\n").filter((l) => l.startsWith("QSTASH_")).map((l) => l.split(/=(.*)/s).slice(0, 2)));
    expect(env).toMatchObject({ QSTASH_TOKEN: DEV_TOKEN, QSTASH_CURRENT_SIGNING_KEY: DEV_CURRENT_SIGNING_KEY, QSTASH_NEXT_SIGNING_KEY: DEV_NEXT_SIGNING_KEY });
    expect(env.QSTASH_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const keys = await fetch(`${env.QSTASH_URL}/v2/keys`, { headers: { authorization: `Bearer ${DEV_TOKEN}` } });
    expect(await keys.json()).toEqual({ current: DEV_CURRENT_SIGNING_KEY, next: DEV_NEXT_SIGNING_KEY });
    process.emit("SIGINT");
    await running;
    await expect(fetch(`${env.QSTASH_URL}/v2/keys`)).rejects.toThrow();
  });

  it("--max-body-bytes 10kb accepts a body of 10,240 bytes and refuses one byte more with 413, naming the flag", async () => {
    let out = "";
    const write = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
    const running = brokerCommand.run(["--port", "0", "--max-body-bytes", "10kb"]);
    try {
      await waitFor(() => out.includes("QSTASH_NEXT_SIGNING_KEY="), 5000, "the QSTASH_* lines");
    } finally {
      write.mockRestore();
    }
    const url = /QSTASH_URL=(\S+)/.exec(out)![1];
    const publish = (body: string) => fetch(`${url}/v2/publish/http://127.0.0.1:1/x`, { method: "POST", headers: { authorization: `Bearer ${DEV_TOKEN}` }, body });
    try {
      expect((await publish("x".repeat(10_240))).status).toBe(201);
      const refused = await publish("x".repeat(10_241));
      expect(refused.status).toBe(413);
      expect(((await refused.json()) as { error: string }).error).toContain('10240-byte limit: send large data by reference (a URL or a storage key), or start the broker with a larger limit ("celeriac broker --max-body-bytes 5mb"');
    } finally {
      process.emit("SIGINT");
      await running;
    }
  });

  it("is what a QSTASH_DEV=true client finds on its dev port: publish and delivery with the dev keys", async () => {
    const server = await startBrokerServer({ port: 0 });
    const receiver = await startReceiver(() => ({ current: DEV_CURRENT_SIGNING_KEY, next: DEV_NEXT_SIGNING_KEY }));
    const previous = process.env.QSTASH_DEV_PORT;
    process.env.QSTASH_DEV_PORT = new URL(server.url).port;
    try {
      const client = new Client({ devMode: true, enableTelemetry: false });
      const { messageId } = await client.publishJSON({ url: `${receiver.url}/dev`, body: { ok: true } });
      const d = await waitFor(() => receiver.deliveries.find((x) => x.headers.get("upstash-message-id") === messageId), 5000, "the delivery");
      expect(d.verified).toBe(true);
    } finally {
      if (previous === undefined) delete process.env.QSTASH_DEV_PORT;
      else process.env.QSTASH_DEV_PORT = previous;
      await server.close();
      await receiver.close();
    }
  });

  it.skipIf(!hasRedis)("keeps messages in Redis with --redis across a restart", async () => {
    const receiver = await startReceiver(() => ({ current: DEV_CURRENT_SIGNING_KEY, next: DEV_NEXT_SIGNING_KEY }));
    const first = await startBrokerServer({ port: 0, redis: REDIS_URL, redisPrefix: prefix });
    const client = new Client({ baseUrl: first.url, token: DEV_TOKEN, devMode: false });
    const { messageId } = await client.publish({ url: `${receiver.url}/later`, body: "x", delay: "1s" });
    await first.close();
    const second = await startBrokerServer({ port: 0, redis: REDIS_URL, redisPrefix: prefix });
    try {
      const d = await waitFor(() => receiver.deliveries.find((x) => x.headers.get("upstash-message-id") === messageId), 5000, "the delivery after restart");
      expect(d.verified).toBe(true);
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it("refuses a bad port with a UsageError", async () => {
    await expect(brokerCommand.run(["--port", "http"])).rejects.toMatchObject({ name: "UsageError", message: expect.stringContaining('--port must be a whole number from 0 to 65535') });
  });
});
