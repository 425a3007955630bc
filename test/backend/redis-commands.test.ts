/**
 * Billed-command accounting and script loading, checked against Redis itself: a private
 * redis-server (so INFO commandstats and SCRIPT FLUSH see only this file's traffic) behind the
 * REST bridge, driven through the unmodified @upstash/redis client.
 *
 * Billing reading (shared/reference/redis-rest.md §6): Upstash bills every command, including
 * each redis.call inside a script and the EVAL/EVALSHA itself (its ratelimit cost table prices a
 * script as "EVAL, INCR, PEXPIRE" = 3). So the counter must equal every command Redis executed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClaimInput } from "../../src/backend/backend.ts";
import { RedisBackend } from "../../src/backend/redis/redis-backend.ts";
import { sha1Hex } from "../../src/backend/redis/scripts/script.ts";
import { claimScript } from "../../src/backend/redis/scripts/claim.ts";
import { releaseClaimScript } from "../../src/backend/redis/scripts/release-claim.ts";
import { releaseLockScript } from "../../src/backend/redis/scripts/release-lock.ts";
import { revokeScript } from "../../src/backend/redis/scripts/revoke.ts";
import { storeMetaScript } from "../../src/backend/redis/scripts/store-meta.ts";
import { storeAttemptMetaScript } from "../../src/backend/redis/scripts/store-attempt-meta.ts";
import { renewLeaseScript } from "../../src/backend/redis/scripts/renew-lease.ts";
import { markLostScript } from "../../src/backend/redis/scripts/mark-lost.ts";
import { acquireAttemptLockScript } from "../../src/backend/redis/scripts/acquire-attempt-lock.ts";
import { chordJoinScript } from "../../src/backend/redis/scripts/chord-join.ts";
import { storeChordMemberScript } from "../../src/backend/redis/scripts/store-chord-member.ts";
import type { StartedRedisRestBridge } from "../../src/node/redis-bridge/index.ts";
import { REVOKED, STARTED, SUCCESS } from "../../src/states.ts";
import { meta } from "./contract.ts";
import { z } from "zod";
import { task } from "../../src/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";
import { VirtualClock } from "../support/virtual-clock.ts";
import { waitFor } from "../support/wait.ts";
import { connectDirect, IN_CI, type NodeRedis, type PrivateRedis, REDIS_SERVER_BIN, startBridge, startPrivateRedis, upstashClient } from "./redis-env.ts";

if (!REDIS_SERVER_BIN && IN_CI) throw new Error("CI is set but redis-server is not installed: apt-get install redis-server.");

type Counts = Record<string, number>;

const SCRIPTS = [claimScript, storeMetaScript, storeAttemptMetaScript, renewLeaseScript, markLostScript, acquireAttemptLockScript, revokeScript, releaseClaimScript, releaseLockScript, chordJoinScript, storeChordMemberScript];

/** Commands Redis executed per name (calls, failed ones included), from INFO commandstats. */
async function commandStats(client: NodeRedis): Promise<Counts> {
  const info = await client.info("commandstats");
  const counts: Counts = {};
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+).*?rejected_calls=(\d+)/gm)) counts[m[1]] = Number(m[2]) + Number(m[3]);
  return counts;
}

function delta(before: Counts, after: Counts): Counts {
  const d: Counts = {};
  for (const [cmd, n] of Object.entries(after)) {
    if (cmd === "info") continue; // our own INFO reads
    const diff = n - (before[cmd] ?? 0);
    if (diff) d[cmd] = diff;
  }
  return d;
}

describe.skipIf(!REDIS_SERVER_BIN)("RedisBackend command accounting (INFO commandstats)", () => {
  let server: PrivateRedis;
  let bridge: StartedRedisRestBridge;
  let direct: NodeRedis;
  let backend: RedisBackend;

  beforeAll(async () => {
    server = await startPrivateRedis();
    bridge = await startBridge(server.url);
    direct = await connectDirect(server.url);
    // publishResults off: the per-operation table counts the store without its PUBLISH (tested on its own below).
    backend = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 3_600_000, prefix: "acct", publishResults: false });
    await backend.getMeta("warm-up"); // the bridge's connection handshake is not ours to count
  });
  afterAll(async () => {
    await direct?.close();
    await bridge?.close();
    await server?.stop();
  });

  /** Run `op`; answer what the counter recorded and what Redis executed. */
  async function measure(op: () => Promise<unknown>): Promise<{ counted: number; redis: Counts; executed: number }> {
    const before = await commandStats(direct);
    const counted = backend.commands.total;
    await op();
    const redis = delta(before, await commandStats(direct));
    return { counted: backend.commands.total - counted, redis, executed: Object.values(redis).reduce((a, b) => a + b, 0) };
  }

  const claimIn = (id: string, over: Partial<ClaimInput> = {}): ClaimInput => ({
    id, retries: 0, token: crypto.randomUUID(), mode: "early", now: Date.now(), leaseMs: 30_000, claimTtlMs: 60_000, metaTtlMs: 60_000, ...over,
  });

  it("each script's SHA-1 is the one Redis computes", async () => {
    for (const s of SCRIPTS) {
      expect(await s.sha()).toBe(await direct.scriptLoad(s.source));
      expect(await sha1Hex(s.source)).toBe(await s.sha());
    }
  });

  it("each script loads after SCRIPT FLUSH: EVALSHA answers NOSCRIPT, the runner falls back to EVAL", async () => {
    const id = crypto.randomUUID();
    const runs: [string, () => Promise<unknown>][] = [
      ["claim", () => backend.claim(claimIn(id))],
      ["storeMeta", () => backend.storeMeta(meta(id, STARTED), 60_000)],
      ["releaseClaim", () => backend.releaseClaim(id, 0, "nobody")],
      ["revoke", () => backend.revoke(id, meta(id, REVOKED), 60_000, "r")],
      ["releaseLock", () => backend.releaseLock("l", "nobody")],
      ["storeAttemptMeta", () => backend.storeAttemptMeta(meta(id, SUCCESS), 60_000, { id, retries: 0, token: "nobody" })],
      ["renewLease", () => backend.renewLease({ id, retries: 0, token: "nobody" }, 30_000, 60_000, Date.now())],
      ["markLost", () => backend.markLost({ id, retries: 9, now: Date.now(), lost: null, unclaimed: null, ttlMs: 60_000 })],
      ["acquireAttemptLock", () => backend.acquireAttemptLock("l", "t", 60_000, Date.now(), { id, retries: 0, token: "nobody" })],
      ["joinChord", () => backend.joinChord({ chordId: id, index: 0, size: 2, value: "{}", failed: false, ttlMs: 60_000 })],
    ];
    for (const [name, run] of runs) {
      await direct.scriptFlush();
      const first = await measure(run);
      expect(first.redis, name).toMatchObject({ evalsha: 1, eval: 1 });
      expect(first.counted, name).toBe(first.executed);
      const second = await measure(run);
      expect(second.redis.eval, name).toBeUndefined();
      expect(second.redis.evalsha, name).toBe(1);
      expect(second.counted, name).toBe(second.executed);
    }
  });

  it("the command counter matches what Redis executed, operation by operation", async () => {
    const id = crypto.randomUUID();
    const done = crypto.randomUUID();
    const late = crypto.randomUUID();
    const t0 = Date.now();
    for (const s of SCRIPTS) await direct.scriptLoad(s.source);
    await backend.storeMeta(meta(done, SUCCESS, 1), 60_000);
    await backend.claim(claimIn(late, { mode: "late", now: t0, leaseMs: 10 }));
    const holder = claimIn(id);
    const fence = { id, retries: 0, token: holder.token };
    const lostId = crypto.randomUUID();
    const lostHolder = claimIn(lostId, { now: t0, leaseMs: 10 });
    await backend.claim(lostHolder);
    const closer = claimIn(crypto.randomUUID());
    await backend.claim(closer);
    const closing = { id: closer.id, retries: 0, token: closer.token };
    const chordId = crypto.randomUUID();
    const failedId = crypto.randomUUID();
    const memberChord = crypto.randomUUID();
    const member = claimIn(`${memberChord}.0`);
    await backend.claim(member);
    const memberFence = { id: member.id, retries: 0, token: member.token };
    const join = (chord: string, index: number) => ({ chordId: chord, index, size: 3, value: JSON.stringify({ v: index }), failed: false, ttlMs: 60_000 });
    const steps: [string, () => Promise<unknown>, Counts][] = [
      ["claim (claimed)", () => backend.claim(holder), { evalsha: 1, mget: 1, set: 1 }],
      ["claim (held)", () => backend.claim(claimIn(id)), { evalsha: 1, mget: 1, set: 1 }],
      ["claim (succeeded)", () => backend.claim(claimIn(done)), { evalsha: 1, mget: 1 }],
      ["claim (late takeover)", () => backend.claim(claimIn(late, { mode: "late", now: t0 + 1000 })), { evalsha: 1, mget: 1, set: 2 }],
      ["claim (with started)", () => backend.claim(claimIn(id, { retries: 1, started: meta(id, STARTED) })), { evalsha: 1, mget: 1, set: 2 }],
      ["storeMeta", () => backend.storeMeta(meta(id, SUCCESS, 2), 60_000), { evalsha: 1, set: 1 }],
      ["storeMeta (refused)", () => backend.storeMeta(meta(id, SUCCESS, 3), 60_000), { evalsha: 1, set: 2 }],
      ["getMeta", () => backend.getMeta(id), { get: 1 }],
      ["storeAttemptMeta (fenced: another attempt's claim)", () => backend.storeAttemptMeta(meta(id, "PROGRESS"), 60_000, { ...fence, retries: 1 }), { evalsha: 1, mget: 1 }],
      ["storeAttemptMeta (kept: SUCCESS stored)", () => backend.storeAttemptMeta(meta(id, "PROGRESS"), 60_000, fence), { evalsha: 1, mget: 1, set: 2 }],
      ["storeAttemptMeta (check)", () => backend.storeAttemptMeta(null, 60_000, fence), { evalsha: 1, mget: 1 }],
      ["renewLease", () => backend.renewLease(fence, 30_000, 60_000, Date.now()), { evalsha: 1, mget: 1, set: 1 }],
      ["acquireAttemptLock", () => backend.acquireAttemptLock("alock", "a", 60_000, Date.now(), fence), { evalsha: 1, mget: 1, set: 1 }],
      ["storeAttemptMeta (progress)", () => backend.storeAttemptMeta(meta(closer.id, "PROGRESS"), 60_000, closing), { evalsha: 1, mget: 1, set: 1 }],
      ["storeAttemptMeta (closing check)", () => backend.storeAttemptMeta(null, 60_000, closing, { close: true }), { evalsha: 1, mget: 1, set: 1 }],
      ["storeAttemptMeta (fenced)", () => backend.storeAttemptMeta(meta(closer.id, "PROGRESS"), 60_000, closing), { evalsha: 1, mget: 1 }],
      ["renewLease (lost)", () => backend.renewLease(closing, 30_000, 60_000, Date.now()), { evalsha: 1, mget: 1 }],
      ["markLost (settled)", () => backend.markLost({ id, retries: 0, now: Date.now(), lost: meta(id, "X"), unclaimed: null, ttlMs: 60_000 }), { evalsha: 1, mget: 1 }],
      ["markLost (lost)", () => backend.markLost({ id: lostId, retries: 0, now: t0 + 1000, lost: meta(lostId, "FAILURE"), unclaimed: null, ttlMs: 60_000 }), { evalsha: 1, mget: 1, set: 2 }],
      ["releaseClaim", () => backend.releaseClaim(id, 0, holder.token), { evalsha: 1, get: 1, del: 1 }],
      ["releaseClaim (other token)", () => backend.releaseClaim(id, 1, "other"), { evalsha: 1, get: 1 }],
      ["revoke", () => backend.revoke(late, meta(late, REVOKED), 60_000, "r"), { evalsha: 1, set: 2, get: 1 }],
      ["revoke (READY kept)", () => backend.revoke(id, meta(id, REVOKED), 60_000, "r"), { evalsha: 1, set: 1, get: 1 }],
      ["claim (revoked)", () => backend.claim(claimIn(id, { retries: 5 })), { evalsha: 1, mget: 1 }],
      ["isRevoked", () => backend.isRevoked(id), { exists: 1 }],
      ["acquireLock", () => backend.acquireLock("lock", "a", 60_000, Date.now()), { set: 1 }],
      ["releaseLock (other token)", () => backend.releaseLock("lock", "b"), { evalsha: 1, get: 1 }],
      ["releaseLock", () => backend.releaseLock("lock", "a"), { evalsha: 1, get: 1, del: 1 }],
      ["reserveIdempotencyKey", () => backend.reserveIdempotencyKey("k", id, 60_000), { set: 1 }],
      ["setCached", () => backend.setCached("c", { v: 1 }, 60_000), { set: 1 }],
      ["getCached", () => backend.getCached("c"), { get: 1 }],
      ["forget", () => backend.forget(id), { del: 1 }],
      ["joinChord (first member)", () => backend.joinChord(join(chordId, 0)), { evalsha: 1, hsetnx: 1, hincrby: 1, pexpire: 1 }],
      ["joinChord (duplicate)", () => backend.joinChord(join(chordId, 0)), { evalsha: 1, hsetnx: 1, hget: 1 }],
      ["joinChord (member)", () => backend.joinChord(join(chordId, 1)), { evalsha: 1, hsetnx: 1, hincrby: 1 }],
      ["joinChord (last member)", () => backend.joinChord(join(chordId, 2)), { evalsha: 1, hsetnx: 1, hincrby: 1, hgetall: 1 }],
      ["joinChord (duplicate once complete)", () => backend.joinChord(join(chordId, 1)), { evalsha: 1, hsetnx: 1, hget: 1, hgetall: 1 }],
      ["joinChord (first failure)", () => backend.joinChord({ ...join(failedId, 0), failed: true }), { evalsha: 1, hsetnx: 1, hincrby: 1, pexpire: 1 }],
      ["joinChord (later failure)", () => backend.joinChord({ ...join(failedId, 1), failed: true }), { evalsha: 1, hsetnx: 1 }],
      ["saveGroup", () => backend.saveGroup(chordId, [[chordId, null], []], 60_000), { set: 1 }],
      ["storeChordMember (first)", () => backend.storeChordMember(meta(member.id, SUCCESS, 1), 60_000, memberFence, memberChord), { evalsha: 1, mget: 1, set: 1, hincrby: 1, pexpire: 1 }],
      ["storeChordMember (a SUCCESS already stored: kept, not counted)", () => backend.storeChordMember(meta(member.id, SUCCESS, 2), 60_000, memberFence, memberChord), { evalsha: 1, mget: 1, set: 2 }],
      ["chordCount", () => backend.chordCount(memberChord), { hget: 1 }],
      ["getGroup", () => backend.getGroup(chordId), { get: 1 }],
    ];
    for (const [name, run, expected] of steps) {
      const m = await measure(run);
      expect(m.redis, name).toEqual(expected);
      expect(m.counted, name).toBe(m.executed);
    }
  });

  it("a task costs 7 billed commands with a result (6 without publishing it), 3 with ignoreResult, 7 with acksLate", async () => {
    const publishing = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 3_600_000, prefix: "acct" });
    const task = async (b: RedisBackend, mode: "early" | "late", storeResult: boolean) => {
      const id = crypto.randomUUID();
      const claim = claimIn(id, { mode });
      expect(await b.claim(claim)).toEqual({ status: "claimed" });
      if (storeResult) expect(await b.storeAttemptMeta(meta(id, SUCCESS, { ok: true }), 60_000, { id, retries: 0, token: claim.token })).toBe("stored");
    };
    const paths: [string, () => Promise<void>, number][] = [
      ["default (claim + fenced store + PUBLISH)", () => task(publishing, "early", true), 7],
      ["publishResults: false (claim + fenced store)", () => task(backend, "early", true), 6],
      ["ignoreResult (claim only)", () => task(publishing, "early", false), 3],
      ["acksLate (late claim + fenced store + PUBLISH)", () => task(publishing, "late", true), 7],
    ];
    for (const [name, run, billed] of paths) {
      const m = await measure(run);
      expect(m.executed, name).toBe(billed);
    }
  });

  it("publishing (the default) adds one PUBLISH per READY result and none for other states", async () => {
    const publishing = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 3_600_000, prefix: "acct-pub" });
    const id = crypto.randomUUID();
    const counted = () => publishing.commands.total;
    let before = counted();
    const started = await measure(() => publishing.storeMeta(meta(id, STARTED), 60_000));
    expect(started.redis).toEqual({ evalsha: 1, set: 1 });
    expect(counted() - before).toBe(2);
    before = counted();
    const success = await measure(() => publishing.storeMeta(meta(id, SUCCESS, 1), 60_000));
    expect(success.redis).toEqual({ evalsha: 1, set: 1, publish: 1 });
    expect(counted() - before).toBe(3);
  });

  it("a running task's heartbeat costs 3 billed commands every 10 s: 18 per minute of running task", async () => {
    const clock = new VirtualClock();
    const heartbeat = new RedisBackend({ redis: upstashClient(bridge), resultExpiresMs: 3_600_000, prefix: "acct-beat" });
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    let started = false;
    const long = task({ name: "acct_long", input: z.object({}) }, async () => {
      started = true;
      await released;
      return "done";
    });
    const h = createTestHarness({ tasks: [long], backend: heartbeat, now: clock.now, timers: clock.timers });
    await h.client.send(long, {});
    const [message] = h.broker.take();
    const delivery = h.deliver(message);
    await waitFor(() => started, { timeoutMs: 10_000, what: "the task to start" });
    const beats = () => heartbeat.commands.byOperation.renewLease ?? 0;
    const minute = await measure(async () => {
      for (let i = 1; i <= 6; i++) {
        clock.advance(10_000);
        await waitFor(() => beats() >= 3 * i, { timeoutMs: 10_000, what: `heartbeat ${i}` });
      }
    });
    expect(minute.redis).toEqual({ evalsha: 6, mget: 6, set: 6 });
    expect(minute.executed).toBe(18);
    release();
    expect((await delivery).status).toBe(200);
  });
});
