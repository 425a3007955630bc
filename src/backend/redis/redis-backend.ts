/**
 * `RedisBackend`: the backend port over `@upstash/redis` (Upstash over REST, or any Redis ≥ 7.0
 * through celeriac's REST bridge). Every operation is one plain command or one Lua script run
 * through the EVALSHA→EVAL runner; every key it writes has a TTL; result keys hold Celery's
 * meta JSON at Celery's key, so a Python Celery client sharing the Redis reads them.
 *
 * Billed commands per operation are listed in `command-counter.ts` and counted live in
 * `backend.commands`.
 * @module
 */
import type { Redis } from "@upstash/redis";
import type { Backend, ChordJoin, ChordJoinInput, ClaimInput, ClaimResult, Fence, FencedWrite, LeaseRenewal, LostInput, LostResult, TaskMeta } from "../backend.ts";
import { BackendError, ConfigError } from "../../errors.ts";
import { claimValue, createKeys, type Keys } from "../../keys.ts";
import { isReady } from "../../states.ts";
import { requireTtl } from "../ttl.ts";
import { CommandCounter } from "./command-counter.ts";
import { decodeObject } from "./reply.ts";
import { type LuaScript, runScript } from "./scripts/script.ts";
import { CLAIM_CODE, claimScript } from "./scripts/claim.ts";
import { releaseClaimScript } from "./scripts/release-claim.ts";
import { releaseLockScript } from "./scripts/release-lock.ts";
import { revokeScript } from "./scripts/revoke.ts";
import { storeMetaScript } from "./scripts/store-meta.ts";
import { ATTEMPT_WRITE_CODE, storeAttemptMetaScript } from "./scripts/store-attempt-meta.ts";
import { RENEW_CODE, renewLeaseScript } from "./scripts/renew-lease.ts";
import { LOST_CODE, markLostScript } from "./scripts/mark-lost.ts";
import { acquireAttemptLockScript, LOCK_CODE } from "./scripts/acquire-attempt-lock.ts";

const WRITES: Record<number, FencedWrite> = {
  [ATTEMPT_WRITE_CODE.stored]: "stored", [ATTEMPT_WRITE_CODE.kept]: "kept", [ATTEMPT_WRITE_CODE.fenced]: "fenced", [ATTEMPT_WRITE_CODE.revoked]: "revoked",
};
const RENEWALS: Record<number, LeaseRenewal> = { [RENEW_CODE.renewed]: "renewed", [RENEW_CODE.lost]: "lost", [RENEW_CODE.revoked]: "revoked" };
const LOCKS = { [LOCK_CODE.acquired]: "acquired", [LOCK_CODE.busy]: "busy", [LOCK_CODE.fenced]: "fenced", [LOCK_CODE.revoked]: "revoked" } as const;
import { chordJoinScript } from "./scripts/chord-join.ts";
import { storeChordMemberScript } from "./scripts/store-chord-member.ts";

/** The `@upstash/redis` methods `RedisBackend` calls; any client with these works. */
export type BackendRedis = Pick<Redis, "evalsha" | "eval" | "get" | "set" | "del" | "exists" | "hget"> & Partial<Pick<Redis, "subscribe" | "mget">>;

/** Options of {@link RedisBackend}. */
export interface RedisBackendOptions {
  /** An `@upstash/redis` client (`Redis.fromEnv()`, or one pointed at the REST bridge). Either deserialization setting works. */
  redis: BackendRedis;
  /**
   * Global key prefix (default `""`, so results land at Celery's `celery-task-meta-<id>`).
   * Applied as Celery applies `global_keyprefix`: a `_` is appended unless it ends in `: _ - .`.
   */
  prefix?: string | undefined;
  /**
   * Result TTL in ms (Celery's `result_expires`; 1 day is Celery's default). Required and > 0:
   * a result key without a TTL is never deleted, Celery's most reported backend leak.
   */
  resultExpiresMs: number;
  /**
   * Also PUBLISH each READY result (SUCCESS, FAILURE, REVOKED) on its key's channel, as
   * Celery's Redis backend does, so an `AsyncResult.get()` already waiting (celeriac's or
   * Python Celery's) wakes up at once instead of at its next poll. Costs one billed command per
   * READY result. Default true; `false` saves that command when nobody waits with `get()`.
   */
  publishResults?: boolean | undefined;
  /** How long `watch()` waits for the server to confirm a subscription before giving up (get() then polls). Default 2000 ms. */
  subscribeTimeoutMs?: number | undefined;
  /**
   * Most results listened for at once; each is one open SSE connection. Beyond it, `get()` polls
   * (cheaper when many results are awaited together). Default 16.
   */
  maxWatches?: number | undefined;
}

/**
 * Results, claims, revokes, locks, idempotency keys and cached values in Redis.
 * @example
 * const backend = new RedisBackend({ redis: Redis.fromEnv(), resultExpiresMs: 86_400_000 });
 * await backend.getMeta(id);
 * backend.commands.total; // billed Redis commands so far
 */
export class RedisBackend implements Backend {
  readonly kind = "redis";
  /** The result TTL in ms (see {@link RedisBackendOptions.resultExpiresMs}). */
  readonly resultExpiresMs: number;
  /** The keys this backend reads and writes. */
  readonly keys: Keys;
  /** Billed Redis commands since creation or the last `commands.reset()`. */
  readonly commands: CommandCounter = new CommandCounter();
  readonly #redis: BackendRedis;
  readonly #publish: boolean;
  readonly #subscribeTimeoutMs: number;
  readonly #maxWatches: number;
  #watching = 0;

  constructor(options: RedisBackendOptions) {
    if (!options || !options.redis) {
      throw new ConfigError("RedisBackend needs `redis`: an @upstash/redis client, e.g. Redis.fromEnv() (UPSTASH_REDIS_REST_URL, UPSTASH_REDIS_REST_TOKEN).");
    }
    if (typeof options.resultExpiresMs !== "number" || !(options.resultExpiresMs > 0)) {
      throw new ConfigError(
        `RedisBackend needs \`resultExpiresMs\` > 0 (got ${String(options.resultExpiresMs)}): result keys without a TTL ` +
          "are never deleted, which is Celery's most reported result-backend leak. Use Celery's default, " +
          "86_400_000 (1 day), or the longest time a client may still ask for a result.",
      );
    }
    this.#redis = options.redis;
    this.#publish = options.publishResults ?? true;
    this.#subscribeTimeoutMs = options.subscribeTimeoutMs ?? 2000;
    this.#maxWatches = options.maxWatches ?? 16;
    this.keys = createKeys(options.prefix);
    this.resultExpiresMs = requireTtl(options.resultExpiresMs, "RedisBackend resultExpiresMs");
  }

  async getMeta(id: string): Promise<TaskMeta | null> {
    const reply = await this.#command("getMeta", () => this.#redis.get(this.keys.result(id)));
    return decodeObject<TaskMeta>(reply, "result meta");
  }

  /** The metas of `ids` in one MGET (one billed command; a GET each when the client has no `mget`). */
  async getMetas(ids: readonly string[]): Promise<(TaskMeta | null)[]> {
    const mget = this.#redis.mget;
    if (!ids.length) return [];
    if (!mget) return Promise.all(ids.map((id) => this.getMeta(id)));
    const replies = await this.#command("getMetas", () => mget.call(this.#redis, ids.map((id) => this.keys.result(id))) as Promise<unknown[]>);
    return replies.map((reply) => decodeObject<TaskMeta>(reply, "result meta"));
  }

  /**
   * Subscribe to `id`'s result channel (SUBSCRIBE over the REST API's Server-Sent Events; the
   * official client's `subscribe`). Undefined when the client cannot subscribe, the server
   * refuses, it does not confirm within `subscribeTimeoutMs`, or `maxWatches` are open. Billed:
   * SUBSCRIBE, and UNSUBSCRIBE when it stops.
   */
  async watch(id: string, onMeta: (meta: TaskMeta) => void): Promise<(() => void) | undefined> {
    const subscribe = this.#redis.subscribe;
    if (!subscribe || this.#watching >= this.#maxWatches) return undefined;
    this.#watching++;
    const sub = subscribe.call(this.#redis, this.keys.result(id));
    let confirmed = false;
    let stopped = false;
    const stop = () => {
      if (stopped) return;
      stopped = true;
      this.#watching--;
      if (confirmed) this.commands.add("watch", 1); // UNSUBSCRIBE
      void sub.unsubscribe().catch(() => {});
    };
    confirmed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), this.#subscribeTimeoutMs);
      sub.on("subscribe", () => (clearTimeout(timer), resolve(true)));
      sub.on("error", () => (clearTimeout(timer), resolve(false)));
    });
    if (!confirmed) {
      stop();
      return undefined;
    }
    this.commands.add("watch", 1); // SUBSCRIBE
    sub.on("message", ({ message }: { message: unknown }) => {
      try {
        const meta = typeof message === "string" ? (JSON.parse(message) as TaskMeta) : (message as TaskMeta);
        if (meta && typeof meta === "object" && typeof meta.status === "string") onMeta(meta);
      } catch {
        // Not a meta (someone else published on the channel): the next read finds the truth.
      }
    });
    return stop;
  }

  async storeMeta(meta: TaskMeta, ttlMs: number): Promise<boolean> {
    const ttl = requireTtl(ttlMs, "storeMeta ttlMs");
    const publish = this.#publish && isReady(meta.status) ? "1" : "0";
    const [stored] = await this.#script("storeMeta", storeMetaScript, [this.keys.result(meta.task_id)], [JSON.stringify(meta), String(ttl), publish, meta.status]);
    return stored === 1;
  }

  /** `quiet`: no PUBLISH even of a READY meta (a chord header member: nobody waits on it alone). */
  async storeAttemptMeta(meta: TaskMeta | null, ttlMs: number, fence: Fence, options: { close?: boolean; quiet?: boolean } = {}): Promise<FencedWrite> {
    const ttl = requireTtl(ttlMs, "storeAttemptMeta ttlMs");
    const publish = meta && this.#publish && !options.quiet && isReady(meta.status) ? "1" : "0";
    const [code] = await this.#script(
      "storeAttemptMeta",
      storeAttemptMetaScript,
      [this.keys.result(fence.id), this.keys.claim(fence.id, fence.retries), this.keys.revoked(fence.id)],
      [meta ? JSON.stringify(meta) : "", meta?.status ?? "", String(ttl), publish, fence.token, options.close ? "1" : "0"],
    );
    const write = WRITES[code as number];
    if (!write) throw new BackendError(`Redis store-attempt-meta script answered unknown code ${JSON.stringify(code)}.`);
    return write;
  }

  async renewLease(fence: Fence, leaseMs: number, claimTtlMs: number, now: number): Promise<LeaseRenewal> {
    const ttl = requireTtl(claimTtlMs, "renewLease claimTtlMs");
    const [code] = await this.#script(
      "renewLease",
      renewLeaseScript,
      [this.keys.claim(fence.id, fence.retries), this.keys.revoked(fence.id)],
      [claimValue(now + leaseMs, fence.token), fence.token, String(ttl)],
    );
    const renewal = RENEWALS[code as number];
    if (!renewal) throw new BackendError(`Redis renew-lease script answered unknown code ${JSON.stringify(code)}.`);
    return renewal;
  }

  async markLost(input: LostInput): Promise<LostResult> {
    const ttl = requireTtl(input.ttlMs, "markLost ttlMs");
    const stored = input.lost ?? input.unclaimed;
    const [code, n, text] = await this.#script(
      "markLost",
      markLostScript,
      [this.keys.result(input.id), this.keys.claim(input.id, input.retries)],
      [String(Math.floor(input.now)), input.lost ? JSON.stringify(input.lost) : "", input.unclaimed ? JSON.stringify(input.unclaimed) : "", String(ttl),
        this.#publish && stored && isReady(stored.status) ? "1" : "0", String(input.retries)],
    );
    switch (code) {
      case LOST_CODE.settled:
        return { status: "settled", meta: decodeObject<TaskMeta>(text, "result meta") as TaskMeta };
      case LOST_CODE.live:
        return { status: "live", leaseRemainingMs: Number(n) };
      case LOST_CODE.claimed:
        return { status: "claimed", stored: n === 1 };
      case LOST_CODE.unclaimed:
        return { status: "unclaimed", stored: n === 1 };
      default:
        throw new BackendError(`Redis mark-lost script answered unknown code ${JSON.stringify(code)}.`);
    }
  }

  async forget(id: string): Promise<void> {
    await this.#command("forget", () => this.#redis.del(this.keys.result(id)));
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const { id, retries, token } = input;
    const now = Math.floor(input.now);
    const claimTtl = requireTtl(input.claimTtlMs, "claim claimTtlMs");
    const started = input.started ? JSON.stringify(input.started) : "";
    const metaTtl = input.started ? requireTtl(input.metaTtlMs, "claim metaTtlMs") : 0;
    const [code, remaining, text] = await this.#script(
      "claim",
      claimScript,
      [this.keys.result(id), this.keys.revoked(id), this.keys.claim(id, retries)],
      [claimValue(now + input.leaseMs, token), token, input.mode, String(now), String(claimTtl), started, String(metaTtl)],
    );
    switch (code) {
      case CLAIM_CODE.claimed:
        return { status: "claimed" };
      case CLAIM_CODE.revoked:
        return { status: "revoked", reason: decodeObject<{ reason: string }>(text, "revoke tombstone")?.reason ?? "revoked" };
      case CLAIM_CODE.succeeded:
        return { status: "succeeded", meta: decodeObject<TaskMeta>(text, "result meta") as TaskMeta };
      case CLAIM_CODE.held:
        return { status: "held", leaseRemainingMs: Number(remaining), meta: decodeObject<TaskMeta>(text, "result meta") };
      default:
        throw new BackendError(`Redis claim script answered unknown code ${JSON.stringify(code)}.`);
    }
  }

  async releaseClaim(id: string, retries: number, token: string): Promise<void> {
    await this.#script("releaseClaim", releaseClaimScript, [this.keys.claim(id, retries)], [token]);
  }

  async revoke(id: string, meta: TaskMeta, ttlMs: number, reason: string): Promise<void> {
    const ttl = requireTtl(ttlMs, "revoke ttlMs");
    await this.#script(
      "revoke",
      revokeScript,
      [this.keys.result(id), this.keys.revoked(id)],
      [JSON.stringify(meta), String(ttl), JSON.stringify({ reason }), this.#publish ? "1" : "0"],
    );
  }

  async isRevoked(id: string): Promise<boolean> {
    return (await this.#command("isRevoked", () => this.#redis.exists(this.keys.revoked(id)))) > 0;
  }

  async acquireLock(key: string, token: string, ttlMs: number, _now: number): Promise<boolean> {
    const px = requireTtl(ttlMs, "acquireLock ttlMs");
    const reply = await this.#command("acquireLock", () => this.#redis.set(this.keys.lock(key), token, { nx: true, px }));
    return reply !== null;
  }

  async acquireAttemptLock(key: string, token: string, ttlMs: number, _now: number, fence: Fence): Promise<"acquired" | "busy" | "fenced" | "revoked"> {
    const px = requireTtl(ttlMs, "acquireAttemptLock ttlMs");
    const [code] = await this.#script(
      "acquireAttemptLock",
      acquireAttemptLockScript,
      [this.keys.lock(key), this.keys.claim(fence.id, fence.retries), this.keys.revoked(fence.id)],
      [token, String(px), fence.token],
    );
    const answer = LOCKS[code as keyof typeof LOCKS];
    if (!answer) throw new BackendError(`Redis acquire-attempt-lock script answered unknown code ${JSON.stringify(code)}.`);
    return answer;
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    const [released] = await this.#script("releaseLock", releaseLockScript, [this.keys.lock(key)], [token]);
    return released === 1;
  }

  async reserveIdempotencyKey(key: string, id: string, ttlMs: number): Promise<string> {
    const px = requireTtl(ttlMs, "reserveIdempotencyKey ttlMs");
    const reply = await this.#command("reserveIdempotencyKey", () =>
      this.#redis.set(this.keys.idempotency(key), JSON.stringify({ id }), { nx: true, get: true, px }),
    );
    return decodeObject<{ id: string }>(reply, "idempotency entry")?.id ?? id;
  }

  async joinChord(input: ChordJoinInput): Promise<ChordJoin> {
    const ttl = requireTtl(input.ttlMs, "joinChord ttlMs");
    const [code, fields] = await this.#script(
      "joinChord",
      chordJoinScript,
      [this.keys.chord(input.chordId)],
      [String(input.index), String(input.size), input.value, String(ttl), input.failed ? "1" : "0"],
    );
    switch (code) {
      case "waiting":
      case "duplicate":
        return { status: code };
      case "first-failure":
      case "failed":
        return { status: "failed", first: code === "first-failure" };
      case "complete": {
        const results = new Array<unknown>(input.size);
        const flat = fields as unknown[];
        for (let i = 0; i < flat.length; i += 2) {
          const slot = Number(flat[i]);
          if (Number.isInteger(slot)) results[slot] = decodeObject<{ v?: unknown }>(flat[i + 1], "chord result")?.v;
        }
        return { status: "complete", results };
      }
      default:
        throw new BackendError(`Redis chord-join script answered unknown code ${JSON.stringify(code)}.`);
    }
  }

  async storeChordMember(meta: TaskMeta, ttlMs: number, fence: Fence, chordId: string): Promise<{ write: FencedWrite; count?: number }> {
    const ttl = requireTtl(ttlMs, "storeChordMember ttlMs");
    const [code, count] = await this.#script(
      "storeChordMember",
      storeChordMemberScript,
      [this.keys.result(fence.id), this.keys.claim(fence.id, fence.retries), this.keys.revoked(fence.id), this.keys.chord(chordId)],
      [JSON.stringify(meta), meta.status, String(ttl), "0", fence.token, "0", String(ttl)],
    );
    const write = WRITES[code as number];
    if (!write) throw new BackendError(`Redis store-chord-member script answered unknown code ${JSON.stringify(code)}.`);
    return write === "stored" ? { write, count: Number(count) } : { write };
  }

  async chordCount(chordId: string): Promise<number> {
    const reply = await this.#command("chordCount", () => this.#redis.hget(this.keys.chord(chordId), "n"));
    return Number(reply ?? 0) || 0;
  }

  async saveGroup(groupId: string, result: unknown, ttlMs: number): Promise<void> {
    const px = requireTtl(ttlMs, "saveGroup ttlMs");
    await this.#command("saveGroup", () => this.#redis.set(this.keys.group(groupId), JSON.stringify({ result }), { px }));
  }

  async getGroup(groupId: string): Promise<unknown | null> {
    const reply = await this.#command("getGroup", () => this.#redis.get(this.keys.group(groupId)));
    return decodeObject<{ result: unknown }>(reply, "group meta")?.result ?? null;
  }

  async getCached(key: string): Promise<unknown | undefined> {
    const reply = await this.#command("getCached", () => this.#redis.get(this.keys.cache(key)));
    return decodeObject<{ v?: unknown }>(reply, "cache entry")?.v;
  }

  async setCached(key: string, value: unknown, ttlMs: number): Promise<void> {
    const px = requireTtl(ttlMs, "setCached ttlMs");
    await this.#command("setCached", () => this.#redis.set(this.keys.cache(key), JSON.stringify({ v: value }), { px }));
  }

  /** Run one plain command, counting it (1 billed command) and wrapping failures. */
  async #command<T>(operation: string, run: () => Promise<T>): Promise<T> {
    let reply: T;
    try {
      reply = await run();
    } catch (err) {
      throw new BackendError(
        `Redis ${operation} failed: ${err instanceof Error ? err.message : String(err)}. Check that Redis is reachable with the configured URL and token.`,
        { cause: err },
      );
    }
    this.commands.add(operation, 1);
    return reply;
  }

  /** Run one script through the runner, counting what it reports. */
  async #script(operation: string, script: LuaScript, keys: string[], args: string[]): Promise<unknown[]> {
    const run = await runScript(this.#redis, script, keys, args);
    this.commands.add(operation, run.commands);
    return run.values;
  }
}
