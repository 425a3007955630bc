/**
 * The backend contract: every documented behaviour of the `Backend` port, run against each
 * implementation (`memory.test.ts`, `redis.test.ts`).
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Backend, ClaimInput, TaskMeta } from "../../src/backend/backend.ts";
import { FAILURE, RETRY, REVOKED, STARTED, SUCCESS, type State } from "../../src/states.ts";

/** What a contract run needs from an implementation. */
export interface BackendHarness {
  backend: Backend;
  /** The current time to pass as `now` (epoch ms): a fake clock for memory, `Date.now()` for Redis. */
  now(): number;
  /**
   * Let `ms` pass for key TTLs, then assert `check`. Memory advances its clock and checks once;
   * Redis retries `check` until it passes or a deadline passes (real expiry is observed, not slept on).
   */
  afterTtl(ms: number, check: () => Promise<void>): Promise<void>;
}

const HOUR = 3_600_000;
const newId = () => crypto.randomUUID();

/** A meta in Celery's layout. */
export function meta(id: string, status: State, result: unknown = null, extra: Partial<TaskMeta> = {}): TaskMeta {
  const ready = status === SUCCESS || status === FAILURE || status === REVOKED;
  return {
    task_id: id,
    status,
    result,
    traceback: null,
    children: [],
    date_done: ready ? new Date(1_700_000_000_000).toISOString() : null,
    name: "main_send_email",
    retries: 0,
    ...extra,
  };
}

const failure = (id: string) =>
  meta(id, FAILURE, { exc_type: "HttpError", exc_message: ["503 from upstream"], exc_module: "celeriac" }, { traceback: "HttpError: 503\n    at send" });

/** Run the contract suite against the backend `makeHarness` builds (once, before the tests). */
export function backendContract(name: string, makeHarness: () => Promise<BackendHarness> | BackendHarness): void {
  describe(`${name} backend contract`, () => {
    let h: BackendHarness;
    let b: Backend;
    beforeAll(async () => {
      h = await makeHarness();
      b = h.backend;
    });
    const claimIn = (id: string, over: Partial<ClaimInput> = {}): ClaimInput => ({
      id,
      retries: 0,
      token: crypto.randomUUID(),
      mode: "early",
      now: h.now(),
      leaseMs: 30_000,
      claimTtlMs: HOUR,
      metaTtlMs: HOUR,
      ...over,
    });

    describe("results", () => {
      it("getMeta answers null for an id with nothing stored (PENDING)", async () => {
        expect(await b.getMeta(newId())).toBeNull();
      });

      it("storeMeta round-trips Celery's meta layout", async () => {
        const id = newId();
        const m = meta(id, SUCCESS, { messageId: "m-1", nested: [1, "two", { three: null }], text: "héllo ✓" }, { input: { to: "a@b.c" }, retries: 2 });
        expect(await b.storeMeta(m, HOUR)).toBe(true);
        expect(await b.getMeta(id)).toEqual(m);
      });

      it("getMetas reads several results at once, in order, null for those not stored", async () => {
        const [a, missing, c] = [newId(), newId(), newId()];
        await b.storeMeta(meta(a, SUCCESS, 1), HOUR);
        await b.storeMeta(failure(c), HOUR);
        const found = await b.getMetas!([a, missing, c]);
        expect(found.map((m) => m?.status ?? null)).toEqual([SUCCESS, null, FAILURE]);
        expect(found[2]!.traceback).toBe("HttpError: 503\n    at send");
        expect(await b.getMetas!([])).toEqual([]);
      });

      it("storeMeta stores a copy the caller cannot mutate", async () => {
        const id = newId();
        const m = meta(id, "PROGRESS", { current: 1, total: 10 });
        await b.storeMeta(m, HOUR);
        (m.result as { current: number }).current = 99;
        const read = (await b.getMeta(id)) as TaskMeta;
        (read.result as { current: number }).current = 42;
        expect(((await b.getMeta(id)) as TaskMeta).result).toEqual({ current: 1, total: 10 });
      });

      it("storeMeta overwrites states other than SUCCESS", async () => {
        const id = newId();
        for (const status of [STARTED, "PROGRESS", RETRY, FAILURE, SUCCESS]) {
          expect(await b.storeMeta(meta(id, status, status === FAILURE ? failure(id).result : status), HOUR)).toBe(true);
          expect((await b.getMeta(id))?.status).toBe(status);
        }
      });

      it("a stored SUCCESS is sticky: later writes are refused and it stays", async () => {
        const id = newId();
        const first = meta(id, SUCCESS, { messageId: "first" });
        await b.storeMeta(first, HOUR);
        expect(await b.storeMeta(failure(id), HOUR)).toBe(false);
        expect(await b.storeMeta(meta(id, STARTED), HOUR)).toBe(false);
        expect(await b.storeMeta(meta(id, SUCCESS, { messageId: "second" }), HOUR)).toBe(false);
        expect(await b.getMeta(id)).toEqual(first);
      });

      it("a READY state is never replaced by a non-ready one, but may be by another READY state", async () => {
        const id = newId();
        await b.storeMeta(failure(id), HOUR);
        for (const status of [STARTED, "PROGRESS", RETRY]) expect(await b.storeMeta(meta(id, status), HOUR)).toBe(false);
        expect(await b.getMeta(id)).toEqual(failure(id));
        expect(await b.storeMeta(meta(id, SUCCESS, 1), HOUR)).toBe(true);
        expect((await b.getMeta(id))?.status).toBe(SUCCESS);
      });

      it("a stored FAILURE keeps Celery's exception layout", async () => {
        const id = newId();
        await b.storeMeta(failure(id), HOUR);
        expect((await b.getMeta(id))?.result).toEqual({ exc_type: "HttpError", exc_message: ["503 from upstream"], exc_module: "celeriac" });
      });

      it("stored meta disappears after its TTL", async () => {
        const id = newId();
        await b.storeMeta(meta(id, SUCCESS, 1), 40);
        await h.afterTtl(40, async () => expect(await b.getMeta(id)).toBeNull());
      });

      it("forget deletes the stored meta", async () => {
        const id = newId();
        await b.storeMeta(meta(id, SUCCESS, 1), HOUR);
        await b.forget(id);
        expect(await b.getMeta(id)).toBeNull();
        await b.forget(newId()); // forgetting an unknown id is fine
      });

      it("storeMeta refuses a TTL that is not > 0", async () => {
        await expect(b.storeMeta(meta(newId(), SUCCESS), 0)).rejects.toMatchObject({ name: "ConfigError" });
      });
    });

    describe("claims", () => {
      it("the first delivery of an attempt claims it", async () => {
        expect(await b.claim(claimIn(newId()))).toEqual({ status: "claimed" });
      });

      it("a second delivery while the lease runs is held, with the lease remaining and the stored meta", async () => {
        const id = newId();
        const t0 = h.now();
        await b.claim(claimIn(id, { now: t0, leaseMs: 30_000 }));
        await b.storeMeta(meta(id, STARTED), HOUR);
        for (const mode of ["early", "late"] as const) {
          const res = await b.claim(claimIn(id, { now: t0 + 10_000, mode }));
          expect(res).toEqual({ status: "held", leaseRemainingMs: 20_000, meta: meta(id, STARTED) });
        }
      });

      it("early mode: a delivery after the lease expired is held with 0 remaining (the holder was lost)", async () => {
        const id = newId();
        const t0 = h.now();
        await b.claim(claimIn(id, { now: t0, leaseMs: 1_000 }));
        expect(await b.claim(claimIn(id, { now: t0 + 5_000 }))).toEqual({ status: "held", leaseRemainingMs: 0, meta: null });
      });

      it("late mode: a delivery after the lease expired takes the claim over", async () => {
        const id = newId();
        const t0 = h.now();
        const first = claimIn(id, { now: t0, leaseMs: 1_000, mode: "late" });
        await b.claim(first);
        const second = claimIn(id, { now: t0 + 5_000, leaseMs: 1_000, mode: "late" });
        expect(await b.claim(second)).toEqual({ status: "claimed" });
        // the lost holder can no longer release the new holder's claim
        await b.releaseClaim(id, 0, first.token);
        expect(await b.claim(claimIn(id, { now: t0 + 5_500, mode: "late" }))).toMatchObject({ status: "held", leaseRemainingMs: 500 });
      });

      it("a repeated request of the same attempt (same token) is claimed again, not held", async () => {
        const input = claimIn(newId());
        await b.claim(input);
        expect(await b.claim({ ...input, now: input.now + 100 })).toEqual({ status: "claimed" });
      });

      it("each retry is a separate attempt with its own claim", async () => {
        const id = newId();
        await b.claim(claimIn(id, { retries: 0 }));
        expect(await b.claim(claimIn(id, { retries: 1 }))).toEqual({ status: "claimed" });
        expect(await b.claim(claimIn(id, { retries: 1 }))).toMatchObject({ status: "held" });
      });

      it("a revoked id is not claimed, whatever the attempt", async () => {
        const id = newId();
        await b.revoke(id, meta(id, REVOKED, { exc_type: "TaskRevokedError", exc_message: ["revoked"], exc_module: "celeriac" }), HOUR, "revoked by admin");
        expect(await b.claim(claimIn(id))).toEqual({ status: "revoked", reason: "revoked by admin" });
        expect(await b.claim(claimIn(id, { retries: 3, mode: "late" }))).toEqual({ status: "revoked", reason: "revoked by admin" });
      });

      it("an id with a stored SUCCESS is not claimed again (dedup of successful tasks)", async () => {
        const id = newId();
        const done = meta(id, SUCCESS, { messageId: "m" });
        await b.storeMeta(done, HOUR);
        expect(await b.claim(claimIn(id))).toEqual({ status: "succeeded", meta: done });
        expect(await b.claim(claimIn(id, { retries: 2, mode: "late" }))).toEqual({ status: "succeeded", meta: done });
      });

      it("a claim with `started` stores STARTED in the same transition, and only when claimed", async () => {
        const id = newId();
        const started = meta(id, STARTED, { pid: 1 }, { worker: "w1" });
        expect(await b.claim(claimIn(id, { started }))).toEqual({ status: "claimed" });
        expect(await b.getMeta(id)).toEqual(started);
        await b.storeMeta(meta(id, RETRY), HOUR);
        expect(await b.claim(claimIn(id, { started: meta(id, STARTED, { pid: 2 }) }))).toMatchObject({ status: "held" });
        expect((await b.getMeta(id))?.status).toBe(RETRY);
      });

      it("releaseClaim frees the claim only for the token that holds it", async () => {
        const id = newId();
        const holder = claimIn(id);
        await b.claim(holder);
        await b.releaseClaim(id, 0, "someone-else");
        expect(await b.claim(claimIn(id))).toMatchObject({ status: "held" });
        await b.releaseClaim(id, 0, holder.token);
        expect(await b.claim(claimIn(id))).toEqual({ status: "claimed" });
      });

      it("a claim disappears after its claim TTL", async () => {
        const id = newId();
        await b.claim(claimIn(id, { claimTtlMs: 40, leaseMs: 10 }));
        await h.afterTtl(40, async () => expect(await b.claim(claimIn(id, { now: h.now() }))).toEqual({ status: "claimed" }));
      });
    });

    describe("fenced attempt writes", () => {
      const fenceOf = (c: ClaimInput) => ({ id: c.id, retries: c.retries, token: c.token });

      it("an attempt stores while it holds its claim; another token, or no claim at all, is fenced and stores nothing", async () => {
        const id = newId();
        const holder = claimIn(id);
        await b.claim(holder);
        expect(await b.storeAttemptMeta(meta(id, "PROGRESS", { done: 1 }), HOUR, fenceOf(holder))).toBe("stored");
        expect(await b.storeAttemptMeta(meta(id, "PROGRESS", { done: 2 }), HOUR, { ...fenceOf(holder), token: "other" })).toBe("fenced");
        expect(await b.storeAttemptMeta(meta(id, SUCCESS, 3), HOUR, { ...fenceOf(holder), retries: 1 })).toBe("fenced");
        expect(await b.getMeta(id)).toEqual(meta(id, "PROGRESS", { done: 1 }));
      });

      it("a closed claim refuses its attempt's later writes, of any state, and no delivery takes it over", async () => {
        const id = newId();
        const t0 = h.now();
        const holder = claimIn(id, { now: t0, leaseMs: 1_000, mode: "late" });
        await b.claim(holder);
        const timeLimit = failure(id);
        expect(await b.storeAttemptMeta(timeLimit, HOUR, fenceOf(holder), { close: true })).toBe("stored");
        for (const late of [meta(id, "PROGRESS"), meta(id, RETRY), meta(id, SUCCESS, "late"), failure(id)]) {
          expect(await b.storeAttemptMeta(late, HOUR, fenceOf(holder))).toBe("fenced");
        }
        expect(await b.getMeta(id)).toEqual(timeLimit);
        expect(await b.claim(claimIn(id, { now: t0 + 5_000, mode: "late" }))).toEqual({ status: "held", leaseRemainingMs: 0, meta: timeLimit });
        expect(await b.renewLease(fenceOf(holder), 30_000, HOUR, t0 + 5_000)).toBe("lost");
      });

      it("a check (no meta) answers the fence without writing; close works without a meta (ignoreResult)", async () => {
        const id = newId();
        const holder = claimIn(id);
        await b.claim(holder);
        expect(await b.storeAttemptMeta(null, HOUR, fenceOf(holder))).toBe("stored");
        expect(await b.storeAttemptMeta(null, HOUR, fenceOf(holder), { close: true })).toBe("stored");
        expect(await b.storeAttemptMeta(null, HOUR, fenceOf(holder))).toBe("fenced");
        expect(await b.getMeta(id)).toBeNull();
      });

      it("an attempt's writes follow the precedence too, and a revoked id refuses them", async () => {
        const id = newId();
        const holder = claimIn(id);
        await b.claim(holder);
        await b.storeMeta(failure(id), HOUR);
        expect(await b.storeAttemptMeta(meta(id, "PROGRESS"), HOUR, fenceOf(holder))).toBe("kept");
        await b.revoke(id, meta(id, REVOKED), HOUR, "stop");
        expect(await b.storeAttemptMeta(meta(id, SUCCESS, 1), HOUR, fenceOf(holder))).toBe("revoked");
        expect(await b.getMeta(id)).toEqual(failure(id));
      });

      it("the heartbeat moves the lease forward while the attempt holds its claim, and reports a takeover or a revoke", async () => {
        const id = newId();
        const t0 = h.now();
        const holder = claimIn(id, { now: t0, leaseMs: 1_000, mode: "late" });
        await b.claim(holder);
        expect(await b.renewLease(fenceOf(holder), 1_000, HOUR, t0 + 900)).toBe("renewed");
        expect(await b.claim(claimIn(id, { now: t0 + 1_500, mode: "late" }))).toEqual({ status: "held", leaseRemainingMs: 400, meta: null });
        const taker = claimIn(id, { now: t0 + 2_000, mode: "late" });
        expect(await b.claim(taker)).toEqual({ status: "claimed" });
        expect(await b.renewLease(fenceOf(holder), 1_000, HOUR, t0 + 2_100)).toBe("lost");
        expect(await b.storeAttemptMeta(meta(id, SUCCESS, "old holder"), HOUR, fenceOf(holder))).toBe("fenced");
        await b.revoke(id, meta(id, REVOKED), HOUR, "stop");
        expect(await b.renewLease(fenceOf(taker), 1_000, HOUR, t0 + 2_200)).toBe("revoked");
      });

      it("markLost writes nothing for an attempt that retried, or once a later attempt stored a state", async () => {
        const id = newId();
        const t0 = h.now();
        await b.claim(claimIn(id, { now: t0, leaseMs: 1_000 }));
        const retried = meta(id, RETRY, null, { retries: 0 });
        await b.storeMeta(retried, HOUR);
        const lost = failure(id);
        expect(await b.markLost({ id, retries: 0, now: t0 + 5_000, lost, unclaimed: null, ttlMs: HOUR })).toEqual({ status: "settled", meta: retried });
        const next = meta(id, "PROGRESS", null, { retries: 1 });
        await b.storeMeta(next, HOUR);
        expect(await b.markLost({ id, retries: 0, now: t0 + 5_000, lost, unclaimed: null, ttlMs: HOUR })).toEqual({ status: "settled", meta: next });
        expect(await b.getMeta(id)).toEqual(next);
      });

      it("markLost writes nothing while the lease is live or a READY state is stored", async () => {
        const id = newId();
        const t0 = h.now();
        await b.claim(claimIn(id, { now: t0, leaseMs: 10_000 }));
        const lost = { ...failure(id), result: { exc_type: "WorkerLostError", exc_message: ["lost"], exc_module: "celeriac" } };
        expect(await b.markLost({ id, retries: 0, now: t0 + 4_000, lost, unclaimed: null, ttlMs: HOUR })).toEqual({ status: "live", leaseRemainingMs: 6_000 });
        expect(await b.getMeta(id)).toBeNull();
        await b.storeMeta(meta(id, SUCCESS, 1), HOUR);
        expect(await b.markLost({ id, retries: 0, now: t0 + 20_000, lost, unclaimed: null, ttlMs: HOUR })).toEqual({ status: "settled", meta: meta(id, SUCCESS, 1) });
      });

      it("markLost after the lease stores the lost meta and closes the claim: the lost holder's writes are refused", async () => {
        const id = newId();
        const t0 = h.now();
        const holder = claimIn(id, { now: t0, leaseMs: 1_000, mode: "late" });
        await b.claim(holder);
        await b.storeAttemptMeta(meta(id, "PROGRESS"), HOUR, fenceOf(holder));
        const lost = { ...failure(id), result: { exc_type: "WorkerLostError", exc_message: ["lost"], exc_module: "celeriac" } };
        expect(await b.markLost({ id, retries: 0, now: t0 + 2_000, lost, unclaimed: meta(id, FAILURE), ttlMs: HOUR })).toEqual({ status: "claimed", stored: true });
        expect(await b.getMeta(id)).toEqual(lost);
        expect(await b.storeAttemptMeta(meta(id, SUCCESS, "late"), HOUR, fenceOf(holder))).toBe("fenced");
        expect(await b.claim(claimIn(id, { now: t0 + 3_000, mode: "late" }))).toMatchObject({ status: "held", leaseRemainingMs: 0 });
      });

      it("markLost of an attempt never claimed stores the unclaimed meta", async () => {
        const id = newId();
        const undelivered = failure(id);
        expect(await b.markLost({ id, retries: 2, now: h.now(), lost: meta(id, "X"), unclaimed: undelivered, ttlMs: HOUR })).toEqual({ status: "unclaimed", stored: true });
        expect(await b.getMeta(id)).toEqual(undelivered);
      });

      it("an attempt takes a lock only while it holds its claim and the id is not revoked", async () => {
        const id = newId();
        const holder = claimIn(id);
        await b.claim(holder);
        const key = `fence-${newId()}`;
        expect(await b.acquireAttemptLock(key, "t1", HOUR, h.now(), fenceOf(holder))).toBe("acquired");
        expect(await b.acquireAttemptLock(key, "t2", HOUR, h.now(), fenceOf(holder))).toBe("busy");
        expect(await b.acquireAttemptLock(`${key}-2`, "t3", HOUR, h.now(), { ...fenceOf(holder), token: "other" })).toBe("fenced");
        await b.revoke(id, meta(id, REVOKED), HOUR, "stop");
        expect(await b.acquireAttemptLock(`${key}-3`, "t4", HOUR, h.now(), fenceOf(holder))).toBe("revoked");
        expect(await b.acquireLock(`${key}-2`, "free", HOUR, h.now())).toBe(true);
      });

      it("a claim's STARTED never replaces a READY state", async () => {
        const id = newId();
        await b.storeMeta(failure(id), HOUR);
        expect(await b.claim(claimIn(id, { retries: 1, started: meta(id, STARTED) }))).toEqual({ status: "claimed" });
        expect(await b.getMeta(id)).toEqual(failure(id));
      });
    });

    describe("revoke", () => {
      it("revoke stores REVOKED and a tombstone", async () => {
        const id = newId();
        const revoked = meta(id, REVOKED, { exc_type: "TaskRevokedError", exc_message: ["revoked"], exc_module: "celeriac" });
        expect(await b.isRevoked(id)).toBe(false);
        await b.storeMeta(meta(id, RETRY), HOUR);
        await b.revoke(id, revoked, HOUR, "revoked");
        expect(await b.isRevoked(id)).toBe(true);
        expect(await b.getMeta(id)).toEqual(revoked);
      });

      it("revoke keeps a READY state but still blocks later claims", async () => {
        for (const stored of [meta("x", SUCCESS, 7), failure("x")]) {
          const id = newId();
          const m = { ...stored, task_id: id };
          await b.storeMeta(m, HOUR);
          await b.revoke(id, meta(id, REVOKED), HOUR, "too late");
          expect(await b.getMeta(id)).toEqual(m);
          expect(await b.isRevoked(id)).toBe(true);
          expect(await b.claim(claimIn(id, { retries: 1 }))).toEqual({ status: "revoked", reason: "too late" });
        }
      });

      it("the tombstone disappears after its TTL", async () => {
        const id = newId();
        await b.revoke(id, meta(id, REVOKED), 40, "r");
        await h.afterTtl(40, async () => expect(await b.isRevoked(id)).toBe(false));
      });
    });

    describe("locks", () => {
      it("a lock is exclusive and released only with its token (compare-and-delete)", async () => {
        const key = `lock-${newId()}`;
        expect(await b.acquireLock(key, "a", HOUR, h.now())).toBe(true);
        expect(await b.acquireLock(key, "b", HOUR, h.now())).toBe(false);
        expect(await b.releaseLock(key, "b")).toBe(false);
        expect(await b.acquireLock(key, "b", HOUR, h.now())).toBe(false);
        expect(await b.releaseLock(key, "a")).toBe(true);
        expect(await b.acquireLock(key, "b", HOUR, h.now())).toBe(true);
      });

      it("releasing a lock nobody holds answers false", async () => {
        expect(await b.releaseLock(`lock-${newId()}`, "a")).toBe(false);
      });

      it("an expired lock can be taken, and the old holder cannot release the new one", async () => {
        const key = `lock-${newId()}`;
        await b.acquireLock(key, "old", 40, h.now());
        await h.afterTtl(40, async () => expect(await b.acquireLock(key, "new", HOUR, h.now())).toBe(true));
        expect(await b.releaseLock(key, "old")).toBe(false);
        expect(await b.acquireLock(key, "third", HOUR, h.now())).toBe(false);
      });
    });

    describe("idempotency keys", () => {
      it("the first reservation binds the key; later ones get the first id", async () => {
        const key = `idem-${newId()}`;
        const first = newId();
        expect(await b.reserveIdempotencyKey(key, first, HOUR)).toBe(first);
        expect(await b.reserveIdempotencyKey(key, newId(), HOUR)).toBe(first);
        expect(await b.reserveIdempotencyKey(`other-${key}`, "x", HOUR)).toBe("x");
      });

      it("ids that look like JSON come back as the same strings", async () => {
        for (const id of ["12345", "true", "null", "1e5", '"quoted"', "{}"]) {
          const key = `idem-${newId()}`;
          await b.reserveIdempotencyKey(key, id, HOUR);
          expect(await b.reserveIdempotencyKey(key, "later", HOUR)).toBe(id);
        }
      });

      it("a reservation expires after its TTL", async () => {
        const key = `idem-${newId()}`;
        await b.reserveIdempotencyKey(key, "first", 40);
        await h.afterTtl(40, async () => expect(await b.reserveIdempotencyKey(key, "second", HOUR)).toBe("second"));
      });
    });

    describe("cache", () => {
      it("getCached answers undefined for a key never set", async () => {
        expect(await b.getCached(`cache-${newId()}`)).toBeUndefined();
      });

      it("cached values round-trip as JSON, whatever their type", async () => {
        const values: unknown[] = [{ a: [1, 2] }, 42, "123", "plain text", "", null, false, true, [], 1.5];
        for (const v of values) {
          const key = `cache-${newId()}`;
          await b.setCached(key, v, HOUR);
          expect(await b.getCached(key)).toEqual(v);
        }
        const key = `cache-${newId()}`;
        await b.setCached(key, { when: new Date(0) }, HOUR);
        expect(await b.getCached(key)).toEqual({ when: "1970-01-01T00:00:00.000Z" });
      });

      it("a cached value disappears after its TTL", async () => {
        const key = `cache-${newId()}`;
        await b.setCached(key, { v: 1 }, 40);
        await h.afterTtl(40, async () => expect(await b.getCached(key)).toBeUndefined());
      });
    });

    describe("chords and groups", () => {
      const join = (chordId: string, index: number, size: number, failed = false) =>
        b.joinChord({ chordId, index, size, value: JSON.stringify(failed ? { id: `t${index}` } : { v: { n: index } }), failed, ttlMs: HOUR });

      it("joinChord answers complete once, to the member filling the last slot, with the results in slot order", async () => {
        const id = newId();
        expect(await join(id, 2, 3)).toEqual({ status: "waiting" });
        expect(await join(id, 2, 3)).toEqual({ status: "duplicate" });
        expect(await join(id, 0, 3)).toEqual({ status: "waiting" });
        expect(await join(id, 1, 3)).toEqual({ status: "complete", results: [{ n: 0 }, { n: 1 }, { n: 2 }] });
        // A duplicate after completion hears it again (its first delivery may have died before publishing the body).
        expect(await join(id, 0, 3)).toEqual({ status: "complete", results: [{ n: 0 }, { n: 1 }, { n: 2 }] });
      });

      it("joinChord reports a failure as first exactly once, and the chord never completes after it", async () => {
        const id = newId();
        expect(await join(id, 0, 2)).toEqual({ status: "waiting" });
        expect(await join(id, 1, 2, true)).toEqual({ status: "failed", first: true });
        expect(await join(id, 1, 2, true)).toEqual({ status: "failed", first: false });
        expect(await join(id, 1, 2)).toEqual({ status: "waiting" });
        expect(await join(id, 0, 2)).toEqual({ status: "duplicate" });
      });

      it("joinChord counts members finishing at the same instant exactly once each", async () => {
        const id = newId();
        const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => join(id, i % 20, 20)));
        expect(answers.filter((a) => a.status === "complete").length).toBeGreaterThanOrEqual(1);
        const first = answers.findIndex((a) => a.status === "complete");
        expect(answers.slice(0, first).every((a) => a.status !== "complete")).toBe(true);
        expect((answers[first] as { results: unknown[] }).results).toEqual(Array.from({ length: 20 }, (_, n) => ({ n })));
      });

      it("storeChordMember counts a member once, when its SUCCESS is first stored; chordCount reads the count", async () => {
        const chordId = newId();
        const claimed = async (index: number) => {
          const c = claimIn(`${chordId}.${index}`);
          expect(await b.claim(c)).toEqual({ status: "claimed" });
          return { id: c.id, retries: 0, token: c.token };
        };
        const first = await claimed(0);
        expect(await b.storeChordMember(meta(first.id, SUCCESS, 0), HOUR, first, chordId)).toEqual({ write: "stored", count: 1 });
        expect(await b.storeChordMember(meta(first.id, SUCCESS, 0), HOUR, first, chordId)).toEqual({ write: "kept" });
        expect(await b.storeChordMember(meta(first.id, SUCCESS, 0), HOUR, { ...first, token: "other" }, chordId)).toEqual({ write: "fenced" });
        const second = await claimed(1);
        expect(await b.storeChordMember(meta(second.id, SUCCESS, 1), HOUR, second, chordId)).toEqual({ write: "stored", count: 2 });
        expect(await b.chordCount(chordId)).toBe(2);
        expect(await b.chordCount(newId())).toBe(0);
      });

      it("saveGroup and getGroup round-trip a group's ids", async () => {
        const id = newId();
        expect(await b.getGroup(id)).toBeNull();
        await b.saveGroup(id, [[id, null], [[["a", null], null]]], HOUR);
        expect(await b.getGroup(id)).toEqual([[id, null], [[["a", null], null]]]);
      });
    });

    it("every write refuses a TTL that is not > 0", async () => {
      const id = newId();
      const attempts: Promise<unknown>[] = [
        b.claim(claimIn(id, { claimTtlMs: 0 })),
        b.revoke(id, meta(id, REVOKED), -1, "r"),
        b.acquireLock("k", "t", 0, h.now()),
        b.reserveIdempotencyKey("k", "id", Number.NaN),
        b.setCached("k", 1, 0),
      ];
      for (const p of attempts) await expect(p).rejects.toMatchObject({ name: "ConfigError" });
    });
  });
}
