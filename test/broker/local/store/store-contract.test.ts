import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemoryStore } from "../../../../src/broker/local/store/memory-store.ts";
import type { StoredMessage } from "../../../../src/broker/local/message/message.ts";
import type { BrokerStore } from "../../../../src/broker/local/store/store.ts";
import { createRedisBrokerStore } from "../../../../src/node/broker/redis-store.ts";
import { cleanup, randomPrefix, redisAvailable, REDIS_URL } from "../../../node/broker/redis-helpers.ts";

const hasRedis = await redisAvailable();
const prefix = randomPrefix("store-contract");

let seq = 0;
function message(id: string, dueAt: number, extra: Partial<StoredMessage> = {}): StoredMessage {
  return {
    id, seq: ++seq, url: "http://127.0.0.1:1/x", method: "POST", headers: { "Content-Type": "application/octet-stream" },
    body: new Uint8Array([0, 255, 10, 13, 65]), createdAt: 1, notBefore: dueAt, dueAt, maxRetries: 3, retried: 0, state: "CREATED", ...extra,
  };
}

const implementations: [string, () => Promise<BrokerStore>, boolean][] = [
  ["MemoryStore", async () => new MemoryStore({ maxEvents: 5 }), true],
  ["RedisBrokerStore", async () => createRedisBrokerStore({ url: REDIS_URL, prefix: `${prefix}${Math.random().toString(36).slice(2, 6)}:`, leaseMs: 1000, maxEvents: 5 }), hasRedis],
];

afterAll(async () => {
  if (hasRedis) await cleanup(prefix);
});

for (const [name, make, enabled] of implementations) {
  describe.skipIf(!enabled)(`${name} (broker store contract)`, () => {
    let store: BrokerStore;
    beforeAll(async () => {
      store = await make();
    });
    afterAll(async () => {
      await store?.close();
    });

    it("claims due messages earliest first, equal due times in insertion order, binary bodies intact", async () => {
      await store.messages.insert(message("msg_b", 100));
      await store.messages.insert(message("msg_a", 50));
      await store.messages.insert(message("msg_c", 100));
      await store.messages.insert(message("msg_later", 10_000));
      expect(await store.messages.nextDueAt()).toBe(50);
      const first = await store.messages.claimDue(100, 2);
      expect(first.map((m) => m.id)).toEqual(["msg_a", "msg_b"]);
      expect([...first[0].body]).toEqual([0, 255, 10, 13, 65]);
      expect((await store.messages.claimDue(100, 10)).map((m) => m.id)).toEqual(["msg_c"]);
      expect(await store.messages.claimDue(100, 10)).toEqual([]);
      // claimed messages stay readable
      expect((await store.messages.get("msg_a"))?.id).toBe("msg_a");
      for (const id of ["msg_a", "msg_b", "msg_c", "msg_later"]) await store.messages.remove(id);
    });

    it("reschedules a claimed message with its new fields, but not one removed meanwhile", async () => {
      await store.messages.insert(message("msg_r", 0));
      const [m] = await store.messages.claimDue(0, 1);
      m.retried = 1;
      m.dueAt = 500;
      expect(await store.messages.reschedule(m)).toBe(true);
      expect(await store.messages.claimDue(499, 1)).toEqual([]);
      const [again] = await store.messages.claimDue(500, 1);
      expect(again.retried).toBe(1);
      expect((await store.messages.remove("msg_r"))?.id).toBe("msg_r");
      expect(await store.messages.reschedule(again)).toBe(false);
      expect(await store.messages.remove("msg_r")).toBeUndefined();
    });

    it("keeps a DLQ with get, list and remove", async () => {
      await store.dlq.add({ dlqId: "1-1", failedAt: 1, message: message("msg_d", 0, { lastResponse: { status: 500, body: new Uint8Array([1, 2]) } }) });
      const e = await store.dlq.get("1-1");
      expect(e?.message.lastResponse?.status).toBe(500);
      expect([...(e?.message.lastResponse?.body ?? [])]).toEqual([1, 2]);
      expect((await store.dlq.list()).map((x) => x.dlqId)).toEqual(["1-1"]);
      expect(await store.dlq.remove("1-1")).toBe(true);
      expect(await store.dlq.remove("1-1")).toBe(false);
    });

    it("remembers a deduplication id within its window", async () => {
      expect(await store.dedup.claim("k", "msg_1", 0, 60_000)).toBeUndefined();
      expect(await store.dedup.claim("k", "msg_2", 1, 60_000)).toBe("msg_1");
    });

    it("logs events newest first, capped, with cursors", async () => {
      for (let i = 0; i < 7; i++) await store.events.add({ time: i, state: "CREATED", message: message(`msg_e${i}`, 0) });
      const page = await store.events.list({ count: 3, filter: () => true });
      expect(page.map((e) => e.message.id)).toEqual(["msg_e6", "msg_e5", "msg_e4"]);
      const rest = await store.events.list({ before: page[2].seq, count: 10, filter: () => true });
      expect(rest.map((e) => e.message.id)).toEqual(["msg_e3", "msg_e2"]);
    });

    it("advances a schedule's trigger once (compare-and-set) and tracks trigger states", async () => {
      const s = { scheduleId: "s1", cron: "* * * * *", destination: "http://x/y", createdAt: 0, isPaused: false, config: { method: "POST", headers: {} }, body: new Uint8Array([7]), nextScheduleTime: 60_000 };
      await store.schedules.put(s);
      expect(await store.schedules.nextDueAt()).toBe(60_000);
      expect((await store.schedules.due(60_000)).map((x) => x.scheduleId)).toEqual(["s1"]);
      expect(await store.schedules.advance({ ...s, nextScheduleTime: 120_000 }, 60_000)).toBe(true);
      expect(await store.schedules.advance({ ...s, nextScheduleTime: 120_000 }, 60_000)).toBe(false);
      await store.schedules.setStates("s1", { msg_x: "IN_PROGRESS" });
      await store.schedules.markState("s1", "msg_x", "SUCCESS");
      await store.schedules.markState("s1", "msg_other", "FAIL");
      const got = await store.schedules.get("s1");
      expect(got).toMatchObject({ nextScheduleTime: 120_000, lastScheduleStates: { msg_x: "SUCCESS" } });
      expect([...got!.body]).toEqual([7]);
      await store.schedules.put({ ...got!, isPaused: true });
      expect(await store.schedules.nextDueAt()).toBeUndefined();
      expect(await store.schedules.remove("s1")).toBe(true);
      expect(await store.schedules.list()).toEqual([]);
    });

    it("stores queues and URL groups by name", async () => {
      await store.queues.put({ name: "q", createdAt: 1, updatedAt: 2, parallelism: 3, paused: false });
      expect(await store.queues.get("q")).toMatchObject({ parallelism: 3 });
      expect(await store.queues.remove("q")).toBe(true);
      await store.topics.put({ name: "t", createdAt: 1, updatedAt: 1, endpoints: [{ url: "http://a" }] });
      expect((await store.topics.list()).map((t) => t.name)).toEqual(["t"]);
    });

    // Leases exist only in shared stores: a MemoryStore lives and dies with its one broker process,
    // so there is no other process to hand an expired claim to.
    it.skipIf(name === "MemoryStore")("gives a claim back when its lease runs out, and renewal keeps it", async () => {
      await store.messages.insert(message("msg_l", 0));
      expect(await store.messages.claimDue(0, 1)).toHaveLength(1);
      expect(await store.messages.claimDue(999, 1)).toHaveLength(0);
      await store.messages.renew!(["msg_l"], 900); // lease now ends at 1900
      expect(await store.messages.claimDue(1500, 1)).toHaveLength(0);
      expect(await store.messages.nextDueAt()).toBe(1900);
      expect((await store.messages.claimDue(1900, 1)).map((m) => m.id)).toEqual(["msg_l"]);
      await store.messages.remove("msg_l");
    });
  });
}
