/**
 * `MemoryBackend`: the zero-infrastructure implementation of the backend port, for one-process
 * development and unit tests. It behaves like `RedisBackend`: the same keys (`keys.ts`), values
 * stored as JSON text (so callers cannot mutate stored state and non-JSON values are lost the
 * same way), every entry with a TTL, and expired entries invisible.
 * @module
 */
import type { Backend, ChordJoin, ChordJoinInput, ClaimInput, ClaimResult, Fence, FencedWrite, LeaseRenewal, LostInput, LostResult, TaskMeta } from "./backend.ts";
import { claimValue, closedClaimValue, createKeys, parseClaimValue, type Keys } from "../keys.ts";
import { isReady, RETRY, SUCCESS } from "../states.ts";
import { requireTtl } from "./ttl.ts";

/** Options of {@link MemoryBackend}. */
export interface MemoryBackendOptions {
  /** Key prefix, as for `RedisBackend` (default `""`). */
  prefix?: string | undefined;
  /**
   * The clock (epoch ms) used by methods whose port signature has no `now`, and for TTL expiry
   * there. Methods that take `now` (`claim`, `acquireLock`) use it instead. Default `Date.now`.
   */
  clock?: (() => number) | undefined;
  /** Default result TTL callers can read back, in ms (default 1 day, Celery's `result_expires`). */
  resultExpiresMs?: number | undefined;
}

interface Entry {
  value: string;
  expiresAt: number;
}

/** How many writes between sweeps of expired entries. */
const SWEEP_EVERY = 1000;

/**
 * The in-memory backend. State lives in this object only: it is lost on restart and not
 * shared between processes.
 * @example
 * const backend = new MemoryBackend();
 * await backend.storeMeta(meta, 60_000);
 */
/** Added to a chord's count when a member fails (as the Redis script does). */
const FAILED_CHORD = 2 ** 40;

function slotsInOrder(slots: Record<string, string>, size: number): unknown[] {
  return Array.from({ length: size }, (_, i) => (JSON.parse(slots[i]!) as { v?: unknown }).v);
}

export class MemoryBackend implements Backend {
  readonly kind = "memory";
  /** The default result TTL in ms (Celery's `result_expires`, default 1 day). */
  readonly resultExpiresMs: number;
  /** The keys this backend writes (exposed for tests and tools). */
  readonly keys: Keys;
  readonly #clock: () => number;
  readonly #store = new Map<string, Entry>();
  #writes = 0;

  constructor(options: MemoryBackendOptions = {}) {
    this.keys = createKeys(options.prefix);
    this.#clock = options.clock ?? Date.now;
    this.resultExpiresMs = requireTtl(options.resultExpiresMs ?? 86_400_000, "MemoryBackend resultExpiresMs");
  }

  /**
   * Number of entries held in memory. Expired entries are invisible at once and dropped when
   * read, and in a sweep every 1000 writes, so a long-running dev server does not grow forever.
   */
  size(): number {
    return this.#store.size;
  }

  async getMeta(id: string): Promise<TaskMeta | null> {
    return this.#readJson<TaskMeta>(this.keys.result(id), this.#clock());
  }
  async getMetas(ids: readonly string[]): Promise<(TaskMeta | null)[]> {
    return Promise.all(ids.map((id) => this.getMeta(id)));
  }


  async storeMeta(meta: TaskMeta, ttlMs: number): Promise<boolean> {
    return this.#storeMeta(meta, requireTtl(ttlMs, "storeMeta ttlMs"), this.#clock());
  }

  async storeAttemptMeta(meta: TaskMeta | null, ttlMs: number, fence: Fence, options: { close?: boolean; quiet?: boolean } = {}): Promise<FencedWrite> {
    const ttl = requireTtl(ttlMs, "storeAttemptMeta ttlMs");
    const now = this.#clock();
    const claimKey = this.keys.claim(fence.id, fence.retries);
    const held = this.#read(claimKey, now);
    const holder = held === null ? undefined : parseClaimValue(held);
    if (holder?.token !== fence.token) return "fenced";
    if (options.close) this.#rewrite(claimKey, closedClaimValue(holder.deadline, holder.token), now);
    if (this.#read(this.keys.revoked(fence.id), now) !== null) return "revoked";
    if (!meta) return "stored";
    return this.#storeMeta(meta, ttl, now) ? "stored" : "kept";
  }

  async renewLease(fence: Fence, leaseMs: number, claimTtlMs: number, now: number): Promise<LeaseRenewal> {
    const ttl = requireTtl(claimTtlMs, "renewLease claimTtlMs");
    if (this.#read(this.keys.revoked(fence.id), now) !== null) return "revoked";
    const key = this.keys.claim(fence.id, fence.retries);
    const held = this.#read(key, now);
    if (held === null || parseClaimValue(held).token !== fence.token) return "lost";
    this.#write(key, claimValue(now + leaseMs, fence.token), ttl, now);
    return "renewed";
  }

  async markLost(input: LostInput): Promise<LostResult> {
    const ttl = requireTtl(input.ttlMs, "markLost ttlMs");
    const { now } = input;
    const metaKey = this.keys.result(input.id);
    const meta = this.#readJson<TaskMeta>(metaKey, now);
    const r = typeof meta?.retries === "number" ? meta.retries : -1;
    if (meta && (isReady(meta.status) || r > input.retries || (meta.status === RETRY && r === input.retries))) return { status: "settled", meta };
    const claimKey = this.keys.claim(input.id, input.retries);
    const held = this.#read(claimKey, now);
    let stored: TaskMeta | null = input.unclaimed;
    if (held !== null) {
      const holder = parseClaimValue(held);
      if (!holder.closed && holder.deadline > now) return { status: "live", leaseRemainingMs: holder.deadline - now };
      if (!holder.closed) this.#rewrite(claimKey, closedClaimValue(holder.deadline, holder.token), now);
      stored = input.lost;
    }
    if (stored) this.#write(metaKey, JSON.stringify(stored), ttl, now);
    return { status: held !== null ? "claimed" : "unclaimed", stored: stored !== null };
  }

  /** Celery's precedence, as the Redis store-meta script applies it. */
  #storeMeta(meta: TaskMeta, ttl: number, now: number): boolean {
    const key = this.keys.result(meta.task_id);
    const old = this.#readJson<TaskMeta>(key, now);
    if (old && (old.status === SUCCESS || (isReady(old.status) && !isReady(meta.status)))) {
      // Like the Redis script: the stored state stays, with its TTL refreshed to `ttl`.
      this.#write(key, JSON.stringify(old), ttl, now);
      return false;
    }
    this.#write(key, JSON.stringify(meta), ttl, now);
    return true;
  }

  async forget(id: string): Promise<void> {
    this.#store.delete(this.keys.result(id));
  }

  async claim(input: ClaimInput): Promise<ClaimResult> {
    const { id, retries, token, now } = input;
    const claimTtl = requireTtl(input.claimTtlMs, "claim claimTtlMs");
    const metaKey = this.keys.result(id);
    const meta = this.#readJson<TaskMeta>(metaKey, now);
    const tombstone = this.#readJson<{ reason: string }>(this.keys.revoked(id), now);
    if (tombstone) return { status: "revoked", reason: tombstone.reason };
    if (meta?.status === SUCCESS) return { status: "succeeded", meta };

    const claimKey = this.keys.claim(id, retries);
    const held = this.#read(claimKey, now);
    if (held !== null) {
      const holder = parseClaimValue(held);
      if (holder.token === token) return { status: "claimed" }; // a retried request of this attempt
      if (holder.closed) return { status: "held", leaseRemainingMs: 0, meta };
      const leaseRemainingMs = Math.max(0, holder.deadline - now);
      if (leaseRemainingMs > 0 || input.mode === "early") return { status: "held", leaseRemainingMs, meta };
      // late mode, expired lease: take the claim over.
    }
    this.#write(claimKey, claimValue(now + input.leaseMs, token), claimTtl, now);
    if (input.started && !(meta && isReady(meta.status))) {
      this.#write(metaKey, JSON.stringify(input.started), requireTtl(input.metaTtlMs, "claim metaTtlMs"), now);
    }
    return { status: "claimed" };
  }

  async releaseClaim(id: string, retries: number, token: string): Promise<void> {
    const key = this.keys.claim(id, retries);
    const held = this.#read(key, this.#clock());
    if (held !== null && parseClaimValue(held).token === token) this.#store.delete(key);
  }

  async revoke(id: string, meta: TaskMeta, ttlMs: number, reason: string): Promise<void> {
    const ttl = requireTtl(ttlMs, "revoke ttlMs");
    const now = this.#clock();
    this.#write(this.keys.revoked(id), JSON.stringify({ reason }), ttl, now);
    const key = this.keys.result(id);
    const old = this.#readJson<TaskMeta>(key, now);
    if (!old || !isReady(old.status)) this.#write(key, JSON.stringify(meta), ttl, now);
  }

  async isRevoked(id: string): Promise<boolean> {
    return this.#read(this.keys.revoked(id), this.#clock()) !== null;
  }

  async acquireLock(key: string, token: string, ttlMs: number, now: number): Promise<boolean> {
    const ttl = requireTtl(ttlMs, "acquireLock ttlMs");
    const k = this.keys.lock(key);
    if (this.#read(k, now) !== null) return false;
    this.#write(k, token, ttl, now);
    return true;
  }

  async acquireAttemptLock(key: string, token: string, ttlMs: number, now: number, fence: Fence): Promise<"acquired" | "busy" | "fenced" | "revoked"> {
    const held = this.#read(this.keys.claim(fence.id, fence.retries), now);
    if (held === null || parseClaimValue(held).token !== fence.token) return "fenced";
    if (this.#read(this.keys.revoked(fence.id), now) !== null) return "revoked";
    return (await this.acquireLock(key, token, ttlMs, now)) ? "acquired" : "busy";
  }

  async releaseLock(key: string, token: string): Promise<boolean> {
    const k = this.keys.lock(key);
    if (this.#read(k, this.#clock()) !== token) return false;
    this.#store.delete(k);
    return true;
  }

  async reserveIdempotencyKey(key: string, id: string, ttlMs: number): Promise<string> {
    const ttl = requireTtl(ttlMs, "reserveIdempotencyKey ttlMs");
    const now = this.#clock();
    const k = this.keys.idempotency(key);
    const bound = this.#readJson<{ id: string }>(k, now);
    if (bound) return bound.id;
    this.#write(k, JSON.stringify({ id }), ttl, now);
    return id;
  }

  async joinChord(input: ChordJoinInput): Promise<ChordJoin> {
    const now = this.#clock();
    const key = this.keys.chord(input.chordId);
    const state = this.#readJson<{ n: number; slots: Record<string, string>; failed?: string }>(key, now) ?? { n: 0, slots: {} };
    let answer: ChordJoin;
    if (input.failed) {
      if (state.failed !== undefined) return { status: "failed", first: false };
      state.failed = input.value;
      state.n += FAILED_CHORD; // never equals the size again: no later report completes it
      answer = { status: "failed", first: true };
    } else if (input.index in state.slots) {
      if (state.n !== input.size) return { status: "duplicate" };
      return { status: "complete", results: slotsInOrder(state.slots, input.size) };
    } else {
      state.slots[input.index] = input.value;
      state.n++;
      answer = state.n === input.size ? { status: "complete", results: slotsInOrder(state.slots, input.size) } : { status: "waiting" };
    }
    this.#write(key, JSON.stringify(state), requireTtl(input.ttlMs, "joinChord ttlMs"), now);
    return answer;
  }

  async storeChordMember(meta: TaskMeta, ttlMs: number, fence: Fence, chordId: string): Promise<{ write: FencedWrite; count?: number }> {
    const write = await this.storeAttemptMeta(meta, ttlMs, fence, { quiet: true });
    if (write !== "stored") return { write };
    const now = this.#clock();
    const key = this.keys.chord(chordId);
    const state = this.#readJson<{ n: number; slots: Record<string, string>; failed?: string }>(key, now) ?? { n: 0, slots: {} };
    state.n++;
    this.#write(key, JSON.stringify(state), requireTtl(ttlMs, "storeChordMember ttlMs"), now);
    return { write, count: state.n };
  }

  async chordCount(chordId: string): Promise<number> {
    return this.#readJson<{ n: number }>(this.keys.chord(chordId), this.#clock())?.n ?? 0;
  }

  async saveGroup(groupId: string, result: unknown, ttlMs: number): Promise<void> {
    this.#write(this.keys.group(groupId), JSON.stringify({ result }), requireTtl(ttlMs, "saveGroup ttlMs"), this.#clock());
  }

  async getGroup(groupId: string): Promise<unknown | null> {
    return this.#readJson<{ result: unknown }>(this.keys.group(groupId), this.#clock())?.result ?? null;
  }

  async getCached(key: string): Promise<unknown | undefined> {
    return this.#readJson<{ v?: unknown }>(this.keys.cache(key), this.#clock())?.v;
  }

  async setCached(key: string, value: unknown, ttlMs: number): Promise<void> {
    const ttl = requireTtl(ttlMs, "setCached ttlMs");
    this.#write(this.keys.cache(key), JSON.stringify({ v: value }), ttl, this.#clock());
  }

  #read(key: string, now: number): string | null {
    const e = this.#store.get(key);
    if (!e) return null;
    if (e.expiresAt <= now) {
      this.#store.delete(key);
      return null;
    }
    return e.value;
  }

  #readJson<T>(key: string, now: number): T | null {
    const text = this.#read(key, now);
    return text === null ? null : (JSON.parse(text) as T);
  }

  /** Replace a live entry's value, keeping its expiry (Redis's KEEPTTL). */
  #rewrite(key: string, value: string, now: number): void {
    const e = this.#store.get(key);
    if (e && e.expiresAt > now) e.value = value;
  }

  #write(key: string, value: string, ttlMs: number, now: number): void {
    this.#store.set(key, { value, expiresAt: now + ttlMs });
    if (++this.#writes % SWEEP_EVERY === 0) this.#sweep(now);
  }

  #sweep(now: number): void {
    for (const [k, e] of this.#store) if (e.expiresAt <= now) this.#store.delete(k);
  }
}
