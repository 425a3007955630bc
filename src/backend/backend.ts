/**
 * The backend port: where results, attempt claims, revokes, locks, idempotency keys and
 * cached results live. Implementations: `MemoryBackend` (zero infrastructure, one process)
 * and `RedisBackend` (Upstash Redis over REST, or any Redis through the bridge). Both pass
 * the same contract suite (`test/backend/contract.ts`).
 *
 * Time is a parameter (`now`, epoch ms) so tests are exact; key TTLs are garbage collection,
 * while every decision that depends on time compares stored deadlines with `now`.
 * @module
 */
import type { State } from "../states.ts";

/**
 * A stored result, in Celery's result-meta layout (`celery-task-meta-<id>`), so a Python
 * Celery client sharing a Redis can read it. Field names are Celery's, hence snake_case.
 */
export interface TaskMeta {
  task_id: string;
  status: State;
  /** The return value (SUCCESS), progress meta (custom states), or `ExceptionInfo` (FAILURE, RETRY, REVOKED). */
  result: unknown;
  /** The error's stack for exception states, else null. */
  traceback: string | null;
  children: unknown[];
  /** ISO 8601 time for READY states, else null. */
  date_done: string | null;
  name?: string;
  /** The task's input (or its `argsrepr`), for dashboards; Celery's `kwargs` equivalent. */
  input?: unknown;
  retries?: number;
  worker?: string;
  parent_id?: string | null;
  root_id?: string | null;
  group_id?: string | null;
  queue?: string | null;
}

/** A stored error, in Celery's layout plus celeriac's `stack` and `data`. */
export interface ExceptionInfo {
  exc_type: string;
  exc_message: unknown[];
  exc_module: string;
  /** Extra structured detail, for example the schema issues of an `InputValidationError`. */
  data?: unknown;
}

/** Input of `claim()`: one attempt (`id`, `retries`) asking to run. */
export interface ClaimInput {
  id: string;
  retries: number;
  /** A random token identifying this attempt; `releaseClaim` only releases a claim holding it. */
  token: string;
  /**
   * `"early"` (Celery's default ack): once claimed, this attempt never runs again; the claim is
   * kept for `claimTtlMs` and records a liveness lease until `now + leaseMs`.
   * `"late"` (`acksLate`): the claim is only a lease; after `now + leaseMs` another delivery takes it over.
   */
  mode: "early" | "late";
  /** Epoch ms. */
  now: number;
  /** How long the attempt is expected to be alive (time limit + margin). */
  leaseMs: number;
  /** TTL of the claim key (early mode keeps it as long as results live). */
  claimTtlMs: number;
  /** When set (trackStarted), stored in the same transition if the claim is taken. */
  started?: TaskMeta;
  /** TTL for `started`. */
  metaTtlMs: number;
}

/** What `claim()` found. */
export type ClaimResult =
  /** This attempt may run. */
  | { status: "claimed" }
  /** The id was revoked (tombstone present): do not run. */
  | { status: "revoked"; reason: string }
  /** A SUCCESS is already stored for this id: do not run (dedup of successful tasks). */
  | { status: "succeeded"; meta: TaskMeta }
  /**
   * Another delivery of the same attempt holds the claim. `leaseRemainingMs` is how long its
   * lease still runs (0 = expired: in early mode the holder was lost); `meta` is the stored result.
   */
  | { status: "held"; leaseRemainingMs: number; meta: TaskMeta | null };

/**
 * The attempt a write belongs to: its claim (`id`, `retries`) and the token it claimed with.
 * A write fenced by it is refused once the attempt no longer holds that claim (it was closed at
 * the hard time limit, declared lost, or taken over by another delivery) or the id is revoked.
 */
export interface Fence {
  id: string;
  retries: number;
  token: string;
}

/**
 * What a fenced write found: `stored`; `kept` (refused by Celery's precedence: a stored SUCCESS
 * stays, a READY state is never replaced by a non-ready one); `fenced` (the attempt no longer
 * holds its claim); `revoked` (the id was revoked). Only `stored` wrote anything.
 */
export type FencedWrite = "stored" | "kept" | "fenced" | "revoked";

/** What the heartbeat found: `renewed` (the lease runs `leaseMs` from now), `lost` (the claim is no longer this attempt's), `revoked`. */
export type LeaseRenewal = "renewed" | "lost" | "revoked";

/** Input of {@link Backend.markLost}: an attempt whose holder may be gone. */
export interface LostInput {
  id: string;
  retries: number;
  /** Epoch ms: a lease running past it is live, and nothing is written. */
  now: number;
  /** Stored (unless a READY state is) when the attempt was claimed and its lease has run out: FAILURE `WorkerLostError`. Null stores nothing. */
  lost: TaskMeta | null;
  /** Stored (unless a READY state is) when no delivery ever claimed the attempt. Null stores nothing. */
  unclaimed: TaskMeta | null;
  ttlMs: number;
}

/** What {@link Backend.markLost} did. */
export type LostResult =
  /** The attempt is settled: a READY state is stored, or a later attempt's state, or this attempt's own RETRY. Nothing written. */
  | { status: "settled"; meta: TaskMeta }
  /** The holder's lease is still live (it may be running): nothing written. */
  | { status: "live"; leaseRemainingMs: number }
  /** `lost` was stored and the claim closed (`claimed`), or `unclaimed` was stored (`unclaimed`). */
  | { status: "claimed" | "unclaimed"; stored: boolean };
/** Input of `joinChord()`: one header member of a chord reporting its outcome. */
export interface ChordJoinInput {
  chordId: string;
  /** The member's slot (its position in the header). */
  index: number;
  /** How many members the header has. */
  size: number;
  /** JSON of `{"v": result}` (success), or of the failure (`failed: true`): always an object, so any client's deserialization reads it back alike. */
  value: string;
  failed: boolean;
  /** TTL of the chord's state. */
  ttlMs: number;
}

/** What `joinChord()` decided. */
export type ChordJoin =
  /** Recorded; other members are still running. */
  | { status: "waiting" }
  /** This slot was already recorded (a duplicate, a redelivery or a retry) and the chord is not complete. */
  | { status: "duplicate" }
  /** Every slot is filled: the results in slot order. Answered to the last member, and again to any duplicate after it. */
  | { status: "complete"; results: unknown[] }
  /** A member failed: `first` is true for exactly one report (that caller fails the body). */
  | { status: "failed"; first: boolean };

/** The backend port. Every method is one Redis command or one Lua script in `RedisBackend`. */
export interface Backend {
  /** Short name for logs and the dashboard (`"memory"`, `"redis"`). */
  readonly kind: string;

  /** The stored meta for `id`, or null when nothing is stored (PENDING). */
  getMeta(id: string): Promise<TaskMeta | null>;
  /** Optional: the metas of several ids at once, in order (one MGET in `RedisBackend`: one billed command). */
  getMetas?(ids: readonly string[]): Promise<(TaskMeta | null)[]>;
  /**
   * Optional: call `onMeta` with each READY meta stored for `id` from now on (Redis pub/sub:
   * the worker's backend publishes them). Resolves once listening, with the function that stops;
   * undefined when this backend cannot listen. `AsyncResult.get()` uses it to wake up at once
   * instead of polling.
   */
  watch?(id: string, onMeta: (meta: TaskMeta) => void): Promise<(() => void) | undefined>;
  /**
   * Store `meta` with a TTL, following Celery's precedence: a stored SUCCESS is never
   * overwritten, and a READY state (SUCCESS, FAILURE, REVOKED) is never replaced by a non-ready one.
   * @returns false when the write was refused by that precedence.
   */
  storeMeta(meta: TaskMeta, ttlMs: number): Promise<boolean>;
  /**
   * An attempt's write: store `meta` (with {@link Backend.storeMeta}'s precedence) only while the
   * attempt holds its claim (`fence`) and the id is not revoked; `meta` null only checks. With
   * `close`, the claim is then closed (whatever the write found, as long as the attempt held it):
   * the attempt's later writes are refused and no delivery takes the claim over.
   */
  storeAttemptMeta(meta: TaskMeta | null, ttlMs: number, fence: Fence, options?: { close?: boolean; quiet?: boolean }): Promise<FencedWrite>;
  /** The heartbeat: move the attempt's lease to `now + leaseMs` (claim key TTL `claimTtlMs`) while it holds its claim. */
  renewLease(fence: Fence, leaseMs: number, claimTtlMs: number, now: number): Promise<LeaseRenewal>;
  /**
   * Settle an attempt whose holder may be gone (a redelivery found its lease over, or the broker
   * gave up on the message): unless the attempt is settled (a READY state, a later attempt's state or
   * its own RETRY is stored) or its lease is live, store `lost`
   * and close the claim (it was claimed), or store `unclaimed` (it never was).
   */
  markLost(input: LostInput): Promise<LostResult>;
  /** Delete the stored meta (`AsyncResult.forget()`). */
  forget(id: string): Promise<void>;

  /** Atomically decide whether one attempt may run, and take its claim if so. */
  claim(input: ClaimInput): Promise<ClaimResult>;
  /** Release a claim held by `token` (acksLate attempts that ask for redelivery). */
  releaseClaim(id: string, retries: number, token: string): Promise<void>;

  /**
   * Revoke `id`: write a tombstone for `ttlMs` and, unless a READY state is stored, store `meta`
   * (REVOKED). Later claims of any attempt of `id` answer `revoked`.
   */
  revoke(id: string, meta: TaskMeta, ttlMs: number, reason: string): Promise<void>;
  /** True when a tombstone for `id` exists. */
  isRevoked(id: string): Promise<boolean>;

  /** Take lock `key` with `token` until `now + ttlMs`, if free. */
  acquireLock(key: string, token: string, ttlMs: number, now: number): Promise<boolean>;
  /** {@link Backend.acquireLock} for an attempt: only while it holds its claim (`fence`) and the id is not revoked. */
  acquireAttemptLock(key: string, token: string, ttlMs: number, now: number, fence: Fence): Promise<"acquired" | "busy" | "fenced" | "revoked">;
  /** Release lock `key` only if it still holds `token` (compare-and-delete). */
  releaseLock(key: string, token: string): Promise<boolean>;

  /**
   * Bind `key` to task id `id` for `ttlMs` unless it is already bound.
   * @returns the id the key is bound to (the existing one, or `id`).
   */
  reserveIdempotencyKey(key: string, id: string, ttlMs: number): Promise<string>;

  /**
   * Record one chord header member's outcome, atomically: each slot counts once whatever the
   * duplicates, and exactly one caller learns that the chord is complete (or that it failed).
   */
  joinChord(input: ChordJoinInput): Promise<ChordJoin>;
  /**
   * A chord header member's SUCCESS (`meta`), fenced as `storeAttemptMeta`, and counted in chord
   * `chordId` in the same step when it was written (a SUCCESS already stored is kept, not
   * counted): `count` is the chord's count after it, present only when stored.
   */
  storeChordMember(meta: TaskMeta, ttlMs: number, fence: Fence, chordId: string): Promise<{ write: FencedWrite; count?: number }>;
  /** How many members chord `chordId` has counted (2^40 or more once a member failed; 0 when unknown). */
  chordCount(chordId: string): Promise<number>;
  /** Save a group's result ids (Celery's `GroupResult.save()`: `{"result": as_tuple}` at the group key). */
  saveGroup(groupId: string, result: unknown, ttlMs: number): Promise<void>;
  /** A saved group's `result` (its ids as Celery's tuple), or null. */
  getGroup(groupId: string): Promise<unknown | null>;

  /** A cached value stored under a task's `cache` key, or undefined. */
  getCached(key: string): Promise<unknown | undefined>;
  /** Store a cached value for `ttlMs`. */
  setCached(key: string, value: unknown, ttlMs: number): Promise<void>;
}
