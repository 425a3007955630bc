/**
 * Pub/Sub through the Redis REST bridge as the unmodified official client uses it:
 * `redis.subscribe()` / `redis.psubscribe()` over Server-Sent Events, against the real Redis, with
 * messages published by another client.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Redis } from "@upstash/redis";
import { startRedisRestBridge, type StartedRedisRestBridge } from "../../../src/node/redis-bridge/server.ts";
import type { NodeRedis } from "../../backend/redis-env.ts";
import { waitFor } from "../../support/wait.ts";
import { keyPrefix, REDIS_URL, requireRedis, useStartedBridge } from "./fixtures.ts";

const hasRedis = await requireRedis();
const p = keyPrefix("bridge-subscribe");

let server: StartedRedisRestBridge;
let direct: NodeRedis;
useStartedBridge(hasRedis, {}, (x) => ({ server, direct } = x));

const official = (bridge = server) =>
  new Redis({ url: bridge.url, token: bridge.token, enableTelemetry: false, retry: { retries: 0 } });

type Subscriber = ReturnType<Redis["subscribe"]>;

/** Every event of `types` the subscriber dispatches, in order, as `[type, data]`. */
function record(sub: Subscriber, types: string[]): [string, unknown][] {
  const events: [string, unknown][] = [];
  for (const type of types) (sub.on as (t: string, l: (d: unknown) => void) => void)(type, (data) => events.push([type, data]));
  return events;
}

/** Resolves once the subscriber has seen `type` (the subscription is confirmed). */
function seen(events: [string, unknown][], type: string, what: string): Promise<unknown> {
  return waitFor(() => events.some(([t]) => t === type), { what });
}

/** Subscribers on `channel` as Redis counts them (connections, not streams). */
async function numsub(channel: string): Promise<number> {
  return Number((await direct.pubSubNumSub(channel))[channel]);
}

describe.skipIf(!hasRedis)("Redis REST bridge Pub/Sub with @upstash/redis", () => {
  it("redis.subscribe receives `subscribe`, then every message from node-redis and from PUBLISH through the bridge, in order, deserialized", async () => {
    const redis = official();
    const channel = `${p}orders`;
    const sub = redis.subscribe(channel);
    const events = record(sub, ["subscribe", "message", "error"]);
    await seen(events, "subscribe", "the subscribe event");

    await direct.publish(channel, JSON.stringify({ id: 1, items: ["a"] }));
    await redis.publish(channel, "plain text");
    await direct.publish(channel, "42");
    await redis.publish(channel, { id: 2 });
    await waitFor(() => events.length === 5, { what: "four messages" });

    expect(events).toEqual([
      ["subscribe", 1],
      ["message", { channel, message: { id: 1, items: ["a"] } }],
      ["message", { channel, message: "plain text" }],
      ["message", { channel, message: 42 }],
      ["message", { channel, message: { id: 2 } }],
    ]);
    await sub.unsubscribe();
    await waitFor(async () => (await numsub(channel)) === 0, { what: "PUBSUB NUMSUB to drop to 0" });
  });

  it("a PUBLISH made right after `subscribe` arrives, on every one of 20 new channels", async () => {
    const redis = official();
    const channels = Array.from({ length: 20 }, (_, i) => `${p}race${i}`);
    const received = await Promise.all(
      channels.map(async (channel) => {
        const sub = redis.subscribe(channel);
        const events = record(sub, ["subscribe", "message"]);
        await seen(events, "subscribe", `the subscribe event on ${channel}`);
        expect(await direct.publish(channel, `"for ${channel}"`)).toBe(1);
        await waitFor(() => events.length === 2, { what: `the message on ${channel}` });
        await sub.unsubscribe();
        return events[1];
      }),
    );
    expect(received).toEqual(channels.map((channel) => ["message", { channel, message: `for ${channel}` }]));
  });

  it("redis.psubscribe receives pmessage with the pattern and the channel it was published on", async () => {
    const redis = official();
    const pattern = `${p}jobs:*`;
    const sub = redis.psubscribe(pattern);
    const events = record(sub, ["psubscribe", "pmessage", "error"]);
    await seen(events, "psubscribe", "the psubscribe event");

    await redis.publish(`${p}jobs:7`, { done: true });
    await direct.publish(`${p}other`, "not matched");
    // The official client JSON.parses pmessage payloads strictly (message payloads leniently).
    await direct.publish(`${p}jobs:8`, "8");
    await waitFor(() => events.length === 3, { what: "two pmessages" });

    expect(events).toEqual([
      ["psubscribe", 1],
      ["pmessage", { pattern, channel: `${p}jobs:7`, message: { done: true } }],
      ["pmessage", { pattern, channel: `${p}jobs:8`, message: 8 }],
    ]);
    await sub.unsubscribe();
    await waitFor(async () => (await direct.publish(`${p}jobs:9`, "late")) === 0, { what: "no subscriber left for the pattern" });
  });

  it("two subscribers on one channel each get every message over one Redis subscription, which ends with the last of them", async () => {
    const channel = `${p}shared`;
    const first = official().subscribe(channel);
    const second = official().subscribe(channel);
    const firstEvents = record(first, ["subscribe", "message"]);
    const secondEvents = record(second, ["subscribe", "message"]);
    await seen(firstEvents, "subscribe", "the first subscribe");
    await seen(secondEvents, "subscribe", "the second subscribe");
    expect(await numsub(channel)).toBe(1);

    await direct.publish(channel, "both");
    await waitFor(() => firstEvents.length === 2 && secondEvents.length === 2, { what: "the message on both" });
    await first.unsubscribe();
    await direct.publish(channel, "second only");
    await waitFor(() => secondEvents.length === 3, { what: "the second message" });

    expect(firstEvents.slice(1)).toEqual([["message", { channel, message: "both" }]]);
    expect(secondEvents.slice(1)).toEqual([
      ["message", { channel, message: "both" }],
      ["message", { channel, message: "second only" }],
    ]);
    expect(await numsub(channel)).toBe(1);
    await second.unsubscribe();
    await waitFor(async () => (await numsub(channel)) === 0, { what: "PUBSUB NUMSUB to drop to 0" });
  });

  it("a wrong token gives the subscriber an error event and Redis no subscription", async () => {
    const channel = `${p}denied`;
    const redis = new Redis({ url: server.url, token: "wrong", enableTelemetry: false, retry: { retries: 0 } });
    const sub = redis.subscribe(channel);
    const events = record(sub, ["subscribe", "error"]);
    await seen(events, "error", "the error event");

    expect(events).toEqual([["error", expect.objectContaining({ message: expect.stringMatching(/^WRONGPASS invalid or missing auth token/) })]]);
    expect(await numsub(channel)).toBe(0);
  });

  it("closing the bridge ends the stream: the subscriber sees `unsubscribe`, and the close does not wait for it", async () => {
    const bridge = await startRedisRestBridge({ redisUrl: REDIS_URL, port: 0 });
    const channel = `${p}closing`;
    const sub = official(bridge).subscribe(channel);
    const events = record(sub, ["subscribe", "unsubscribe", "error"]);
    await seen(events, "subscribe", "the subscribe event");

    await bridge.close();
    await seen(events, "unsubscribe", "the unsubscribe event");
    expect(events).toEqual([
      ["subscribe", 1],
      ["unsubscribe", 0],
    ]);
    expect(await numsub(channel)).toBe(0);
  });
});
