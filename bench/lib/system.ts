/**
 * What the orchestrator needs from each system under test (celeriac, Celery, BullMQ, BullMQ with
 * an HTTP handler): the same three measurements, each timed by the system's own driver.
 * @module
 */

/** One system under test, started and warm. */
export interface System {
  /** Short id: `celeriac`, `celery`, `bullmq`, `bullmq-http`, … */
  readonly name: string;
  /** How it runs (processes, pool, concurrency), for the report. */
  readonly setup: string;
  /** Send `n` tasks, then read all results back (or, with `ignoreResult`, wait until all ran); answers seconds. */
  throughput(n: number, ignoreResult: boolean): Promise<number>;
  /**
   * `n` sequential round trips (send → result); answers each one's ms. `listen: false` (celeriac
   * only) makes `AsyncResult.get()` poll without listening for the result; without it the defaults apply.
   */
  latency(n: number, options?: { listen?: boolean }): Promise<number[]>;
  /**
   * Called after a measurement, before its Redis window closes: wait until work the measurement
   * started has reached Redis (celeriac: the UNSUBSCRIBE of each `get()` that listened). `pending`
   * answers how many result channels still have subscribers, asked on the measuring connection.
   */
  settle?(pending: (pattern: string) => Promise<number>): Promise<void>;
  /**
   * Profile every Node process of the system (V8's sampling profiler) until `stopProfiles`, which
   * writes one `.cpuprofile` per process into `dir` and answers the files. Absent for Celery.
   */
  profiles?: { start(): Promise<void>; stop(dir: string): Promise<string[]> };
  /** A chord of `n` header tasks (square each index) and a callback checking their order; answers seconds from send to the callback's result. Celery and celeriac only. */
  chord?(n: number): Promise<number>;
  /** The system's own count of billed Redis commands (celeriac's `backend.commands`), when it has one. */
  readonly counter?: { reset(): Promise<void>; read(): Promise<{ total: number; byOperation: Record<string, number> }> };
  close(): Promise<void>;
}
