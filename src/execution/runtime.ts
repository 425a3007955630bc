/**
 * What execution needs from the worker: ports, clock, randomness and settings, in one object.
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Publisher } from "../publish/publisher.ts";
import type { Registry } from "../task/registry.ts";
import type { Sender } from "../task/sender.ts";
import type { Logger } from "../util/logger.ts";
import type { Timers } from "./time-limit.ts";
import type { Outcome } from "./outcome.ts";
import type { UnfinishedAttempts } from "./unfinished.ts";

export interface WorkerRuntime {
  registry: Registry;
  backend: Backend;
  publisher: Publisher;
  /** Sends from inside a task (`ctx.send`, `delay()`): the publisher, refusing tasks this worker does not serve. */
  sender: Sender;
  now: () => number;
  random: () => number;
  hostname: string;
  resultExpiresMs: number;
  logger: Logger;
  timers: Timers;
  /**
   * How long a running attempt counts as alive after its claim or its last heartbeat. Default
   * 30 s: a lost attempt is noticed about that long after its worker died, whatever the task's length.
   */
  leaseMs: number;
  /** How often a running attempt renews its lease (the heartbeat). Default a third of `leaseMs`. */
  heartbeatMs: number;
  /** How long a duplicate delivery waits for the holder to finish before answering 429. Default 10 s. */
  duplicateWaitMs: number;
  /** Attempts running in this process, by `id:retries`, so duplicates can wait on them. */
  inflight: Map<string, Promise<Outcome>>;
  /** Attempts whose claim reply or outcome store the backend did not answer, finished by their redelivery. */
  unfinished: UnfinishedAttempts;
  /** Runs tasks inline (eager mode, `celeriac/testing`): `ctx.request.isEager` is true. */
  eager?: boolean;
}
