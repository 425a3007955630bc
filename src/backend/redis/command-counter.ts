/**
 * Counts billed Redis commands per backend operation, so the benchmark can print commands per
 * task and a test can check the count against Redis's own `INFO commandstats`.
 *
 * What is billed: Upstash bills every command, each one inside a pipeline, a transaction or a
 * Lua script included, and the EVAL/EVALSHA that runs a script is billed too (its ratelimit cost
 * table prices a script as `EVAL, INCR, PEXPIRE` = 3 commands). So a script costs 1 (EVALSHA)
 * plus each `redis.call` it makes; a NOSCRIPT fallback adds the failed EVALSHA's retry as EVAL
 * (+1, once per script per server, since EVAL caches the script).
 *
 * `RedisBackend` operations and their billed commands (common path first):
 *
 * | operation | billed | commands |
 * |---|---|---|
 * | getMeta | 1 | GET |
 * | getMetas | 1 | MGET of any number of results (the dashboard's page) |
 * | storeMeta | 3 | EVALSHA + SET PX GET + PUBLISH of a READY meta (`publishResults`, the default); 2 for other states or without publishing; +1 when refused by the precedence (+ SET restore) |
 * | storeAttemptMeta | 4 | an attempt's write: EVALSHA + MGET claim, tombstone + SET PX GET + PUBLISH of a READY meta; 3 for other states; 2 when fenced, revoked or only checking; +1 when refused by the precedence; +1 when closing the claim |
 * | renewLease | 3 | the heartbeat, every 10 s of a running attempt: EVALSHA + MGET + SET PX; 2 when the claim is lost or the id revoked |
 * | markLost | 2 | EVALSHA + MGET meta, claim when a READY state is stored or the lease is live; + SET closing the claim + SET meta + PUBLISH when it stores the loss |
 * | forget | 1 | DEL |
 * | claim | 3 | EVALSHA + MGET + SET NX GET PX; 2 when revoked or succeeded (no SET); 4 on a late takeover; +1 with `started` |
 * | releaseClaim | 3 | EVALSHA + GET + DEL; 2 when not held by the token |
 * | revoke | 5 | EVALSHA + SET tombstone + GET + SET meta + PUBLISH (`publishResults`, the default); 3 when a READY state is kept; 4 without publishing |
 * | isRevoked | 1 | EXISTS |
 * | watch | 2 | SUBSCRIBE, and UNSUBSCRIBE when `get()` stops listening |
 * | acquireLock | 1 | SET NX PX |
 * | acquireAttemptLock | 3 | `ctx.lock()`: EVALSHA + MGET claim, tombstone + SET NX PX; 2 when fenced or revoked |
 * | releaseLock | 3 | EVALSHA + GET + DEL; 2 when not held by the token |
 * | reserveIdempotencyKey | 1 | SET NX GET PX |
 * | getCached | 1 | GET |
 * | setCached | 1 | SET PX |
 * | joinChord | 3 | a chord header member: EVALSHA + HSETNX + HINCRBY; +1 for the first (PEXPIRE), +1 for the last (HGETALL); a duplicate EVALSHA + HSETNX + HGET (+ HGETALL once complete); a failure 4 the first time, 2 after |
 * | storeChordMember | 4 | a chord header member's SUCCESS: EVALSHA + MGET claim, tombstone + SET PX GET + HINCRBY (no PUBLISH); +1 for the first (PEXPIRE); 3 when a SUCCESS was already stored (+ SET restore, not counted) |
 * | chordCount | 1 | HGET (a duplicate of a finished member) |
 * | saveGroup | 1 | SET PX of a sent group's ids (one per group or chord, not per task) |
 * | getGroup | 1 | GET |
 *
 * Per task: with a result (claim + storeAttemptMeta) 7, 6 with `publishResults: false`;
 * `ignoreResult` (claim only) 3; `acksLate` (claim + storeAttemptMeta) 7; `trackStarted` adds 1
 * (STARTED written inside the claim); a task running longer than 10 s adds 3 per heartbeat.
 * @module
 */

/** A read-only snapshot of a {@link CommandCounter}. */
export interface CommandCounts {
  /** Billed commands since the last reset. */
  total: number;
  /** Billed commands per backend operation (`"claim"`, `"storeMeta"`, …). */
  byOperation: Record<string, number>;
  /** How many times each operation ran. */
  operations: Record<string, number>;
}

/** A running count of billed Redis commands, per backend operation. */
export class CommandCounter {
  #total = 0;
  #byOperation: Record<string, number> = {};
  #operations: Record<string, number> = {};

  /** Billed commands since the last reset. */
  get total(): number {
    return this.#total;
  }

  /** Billed commands per operation since the last reset (a copy). */
  get byOperation(): Record<string, number> {
    return { ...this.#byOperation };
  }

  /** Runs per operation since the last reset (a copy). */
  get operations(): Record<string, number> {
    return { ...this.#operations };
  }

  /** Record one run of `operation` that cost `commands` billed commands. */
  add(operation: string, commands: number): void {
    this.#total += commands;
    this.#byOperation[operation] = (this.#byOperation[operation] ?? 0) + commands;
    this.#operations[operation] = (this.#operations[operation] ?? 0) + 1;
  }

  /** Start counting from zero. */
  reset(): void {
    this.#total = 0;
    this.#byOperation = {};
    this.#operations = {};
  }

  /** A plain-object copy of the counts. */
  snapshot(): CommandCounts {
    return { total: this.#total, byOperation: this.byOperation, operations: this.operations };
  }
}
