/**
 * Every Redis key celeriac reads or writes, built in one place. Nothing else builds a key.
 *
 * Result keys are Celery's (`celery-task-meta-<id>`, `celery-taskset-meta-<gid>`,
 * `chord-unlock-<gid>`) under an optional global prefix applied exactly as Celery applies
 * `result_backend_transport_options={"global_keyprefix": …}`: the prefix is prepended, with a
 * `_` appended first unless it already ends in one of `: _ - .`. So a Python Celery client
 * configured with the same `global_keyprefix` (Celery ≥ 5.3) reads the same keys.
 *
 * celeriac's own keys live under `celeriac:` after the same prefix:
 *
 * | key | holds |
 * |---|---|
 * | `celeriac:claim:<id>:<retries>` | `"<leaseDeadlineMs> <token>"` of the attempt that runs; `"<ms> !<token>"` once closed |
 * | `celeriac:revoked:<id>` | tombstone, JSON `{"reason": …}` |
 * | `celeriac:lock:<key>` | the holder's token |
 * | `celeriac:idem:<key>` | JSON `{"id": …}`, the task id bound to an idempotency key |
 * | `celeriac:cache:<key>` | JSON `{"v": …}`, a memoized SUCCESS value |
 *
 * The local broker's Redis store (`node/broker/redis-store.ts`) keeps its keys under its own
 * prefix, `celeriac:broker:` by default, used as given ({@link createBrokerKeys}):
 *
 * | key | holds |
 * |---|---|
 * | `due`, `lease` | ZSETs of message ids, scored by due time and by lease expiry (ms) |
 * | `m:<id>` | HASH `meta`, `body` of a message |
 * | `dlq` + `d:<dlqId>` | ZSET of DLQ ids by failure time + HASH `meta`, `body` of each entry |
 * | `dd:<key>` | the message id a deduplication id or content hash is bound to (PX window) |
 * | `events` + `events:seq` | LIST of log entries, newest first + their sequence counter |
 * | `sch:due`, `sch:all` | ZSET of schedule ids by next trigger + SET of every schedule id |
 * | `sch:s:<id>` + `sch:st:<id>` | HASH `meta`, `body` of a schedule + HASH message id → run state |
 * | `queues`, `topics` | HASH name → JSON record |
 * @module
 */

/** Celery's result key prefix (`KeyValueStoreBackend.task_keyprefix`). */
export const CELERY_TASK_KEYPREFIX = "celery-task-meta-";
/** Celery's group result key prefix. */
export const CELERY_GROUP_KEYPREFIX = "celery-taskset-meta-";
/** Celery's chord counter key prefix. */
export const CELERY_CHORD_KEYPREFIX = "chord-unlock-";

/**
 * Normalise a global key prefix the way Celery does: empty stays empty; otherwise a `_` is
 * appended unless the prefix already ends in `:`, `_`, `-` or `.`.
 */
export function normalizePrefix(prefix: string | undefined): string {
  if (!prefix) return "";
  return ":_-.".includes(prefix[prefix.length - 1]) ? prefix : `${prefix}_`;
}

/** The key builders for one prefix. */
export interface Keys {
  /** The normalised prefix every key starts with (`""` by default). */
  readonly prefix: string;
  /** Celery's result meta key: `<prefix>celery-task-meta-<id>`. */
  result(id: string): string;
  /** Celery's group meta key: `<prefix>celery-taskset-meta-<gid>`. */
  group(groupId: string): string;
  /** Celery's chord counter key: `<prefix>chord-unlock-<gid>`. */
  chord(groupId: string): string;
  /** The claim of one attempt (`id`, `retries`). */
  claim(id: string, retries: number): string;
  /** The revoke tombstone of `id`. */
  revoked(id: string): string;
  /** A user lock (`ctx.lock(key)`). */
  lock(key: string): string;
  /** An idempotency key given at send time. */
  idempotency(key: string): string;
  /** A task's `cache` entry. */
  cache(key: string): string;
}

/**
 * Build the key builders for `prefix` (default `""`: results land exactly at Celery's
 * `celery-task-meta-<id>`).
 * @example
 * const keys = createKeys("app1");
 * keys.result("abc"); // "app1_celery-task-meta-abc"
 * keys.lock("report"); // "app1_celeriac:lock:report"
 */
export function createKeys(prefix = ""): Keys {
  const p = normalizePrefix(prefix);
  const own = `${p}celeriac:`;
  return {
    prefix: p,
    result: (id) => `${p}${CELERY_TASK_KEYPREFIX}${id}`,
    group: (groupId) => `${p}${CELERY_GROUP_KEYPREFIX}${groupId}`,
    chord: (groupId) => `${p}${CELERY_CHORD_KEYPREFIX}${groupId}`,
    claim: (id, retries) => `${own}claim:${id}:${retries}`,
    revoked: (id) => `${own}revoked:${id}`,
    lock: (key) => `${own}lock:${key}`,
    idempotency: (key) => `${own}idem:${key}`,
    cache: (key) => `${own}cache:${key}`,
  };
}

/** A claim key's value: `"<leaseDeadlineMs> <token>"` (the Redis claim scripts parse the same). */
export function claimValue(leaseDeadlineMs: number, token: string): string {
  return `${Math.ceil(leaseDeadlineMs)} ${token}`;
}

/**
 * What a claim holds once its attempt is closed (abandoned at the hard time limit, or declared
 * lost): no token matches it, so the attempt's later writes are refused, and no delivery takes it over.
 */
export function closedClaimValue(leaseDeadlineMs: number, token: string): string {
  return `${Math.ceil(leaseDeadlineMs)} ${CLOSED_MARK}${token}`;
}

/** The mark a closed claim puts before its token (the Redis scripts test the same character). */
export const CLOSED_MARK = "!";

/** Parse {@link claimValue}; a malformed value reads as an expired lease held by no token. */
export function parseClaimValue(value: string): { deadline: number; token: string; closed: boolean } {
  const space = value.indexOf(" ");
  const deadline = space === -1 ? NaN : Number(value.slice(0, space));
  if (!Number.isFinite(deadline)) return { deadline: 0, token: "", closed: false };
  const token = value.slice(space + 1);
  return { deadline, token, closed: token.startsWith(CLOSED_MARK) };
}

/** The local broker store's default key prefix. */
export const BROKER_KEYPREFIX = "celeriac:broker:";

/** The local broker store's keys for one prefix (the table in this module's header). */
export interface BrokerKeys {
  /** ZSET of due message ids, scored by due time (ms). */
  readonly due: string;
  /** ZSET of claimed message ids, scored by lease expiry (ms). */
  readonly lease: string;
  /** What {@link BrokerKeys.message} prepends to an id (the claim script builds message keys with it). */
  readonly messagePrefix: string;
  /** HASH `meta`, `body` of message `id`. */
  message(id: string): string;
  /** ZSET of DLQ entry ids, scored by failure time. */
  readonly dlq: string;
  /** HASH `meta`, `body` of DLQ entry `dlqId`. */
  dlqEntry(dlqId: string): string;
  /** The message id a deduplication id or content hash is bound to. */
  dedup(key: string): string;
  /** LIST of log entries, newest first. */
  readonly events: string;
  /** The log's sequence counter. */
  readonly eventSeq: string;
  /** ZSET of schedule ids, scored by next trigger (ms). */
  readonly scheduleDue: string;
  /** SET of every schedule id. */
  readonly schedules: string;
  /** HASH `meta`, `body` of schedule `id`. */
  schedule(id: string): string;
  /** HASH message id → run state of schedule `id`'s last trigger. */
  scheduleStates(id: string): string;
  /** HASH queue name → JSON record. */
  readonly queues: string;
  /** HASH URL-group name → JSON record. */
  readonly topics: string;
}

/**
 * Build the local broker store's keys under `prefix`, used as given (default `celeriac:broker:`).
 * @example
 * const keys = createBrokerKeys("b1:");
 * keys.message("msg_1"); // "b1:m:msg_1"
 */
export function createBrokerKeys(prefix = BROKER_KEYPREFIX): BrokerKeys {
  const p = prefix;
  const messagePrefix = `${p}m:`;
  return {
    due: `${p}due`,
    lease: `${p}lease`,
    messagePrefix,
    message: (id) => messagePrefix + id,
    dlq: `${p}dlq`,
    dlqEntry: (dlqId) => `${p}d:${dlqId}`,
    dedup: (key) => `${p}dd:${key}`,
    events: `${p}events`,
    eventSeq: `${p}events:seq`,
    scheduleDue: `${p}sch:due`,
    schedules: `${p}sch:all`,
    schedule: (id) => `${p}sch:s:${id}`,
    scheduleStates: (id) => `${p}sch:st:${id}`,
    queues: `${p}queues`,
    topics: `${p}topics`,
  };
}
