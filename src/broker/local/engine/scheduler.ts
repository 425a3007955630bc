/**
 * The due loop. One timer for the earliest due time (unref'd, real clock only), never a timer per
 * message and never a busy wait. Due messages are claimed from the store in batches no larger
 * than the free delivery slots, so a burst never opens more than `maxConcurrency` requests.
 * @module
 */

import type { StoredMessage } from "../message/message.ts";

/** What the scheduler drives; implemented by the engine. */
export interface SchedulerHooks {
  /** Claim up to `max` due messages. */
  claim(now: number, max: number): Promise<StoredMessage[]>;
  /** The earliest time there may be work (due message, schedule, rate window), or undefined. */
  nextWakeAt(now: number): Promise<number | undefined>;
  /** Time-driven work that is not a message (schedule triggers); called before claiming. */
  tick(now: number): Promise<void>;
  /** Admission (queues, flow control): false when the message was parked; the engine hands it back with `ready()`. */
  admit(msg: StoredMessage, now: number): boolean;
  /** Deliver one message (one attempt and its bookkeeping). Must not throw. */
  run(msg: StoredMessage): Promise<void>;
  /** Report an unexpected error (the loop keeps going). */
  onError(err: unknown): void;
}

/** Options of {@link Scheduler}. */
export interface SchedulerOptions {
  /** Deliveries in flight at once. */
  maxConcurrency: number;
  /** The broker's clock (ms). */
  now: () => number;
  /** Arm real timers for future work. False with an injected clock: tests drive time. */
  timers: boolean;
  /** With a shared store, also wake this often (ms) to find work other processes added. */
  pollMs?: number | undefined;
}

const MAX_TIMER_MS = 2_147_000_000;

export class Scheduler {
  readonly #hooks: SchedulerHooks;
  readonly #options: SchedulerOptions;
  readonly #running = new Set<Promise<void>>();
  #ready: StoredMessage[] = [];
  #readyHead = 0;
  #pumping: Promise<void> | undefined;
  #again = false;
  #kicked = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Infinity;
  #closed = false;

  constructor(hooks: SchedulerHooks, options: SchedulerOptions) {
    this.#hooks = hooks;
    this.#options = options;
  }

  /** Deliveries in flight now. */
  get inflight(): number {
    return this.#running.size;
  }

  /** A message became due at `dueAt` (published, retried, rescheduled). */
  wake(dueAt: number): void {
    if (this.#closed) return;
    if (dueAt <= this.#options.now()) this.kick();
    else if (this.#options.timers && dueAt < this.#timerAt) this.#arm(dueAt);
  }

  /** Run the loop soon (coalesced into one microtask). */
  kick(): void {
    if (this.#kicked || this.#closed) return;
    this.#kicked = true;
    queueMicrotask(() => {
      this.#kicked = false;
      void this.pump();
    });
  }

  /** An admitted message (its slots already taken) to start as soon as a delivery slot is free. */
  ready(msg: StoredMessage): void {
    this.#ready.push(msg);
    this.kick();
  }

  /** Claim and start due work until the slots are full; then re-arm the timer. */
  pump(): Promise<void> {
    if (this.#pumping) {
      this.#again = true;
      return this.#pumping;
    }
    this.#pumping = this.#pumpLoop().finally(() => {
      this.#pumping = undefined;
    });
    return this.#pumping;
  }

  async #pumpLoop(): Promise<void> {
    do {
      this.#again = false;
      try {
        await this.#fill();
      } catch (err) {
        this.#hooks.onError(err);
        if (this.#options.timers) this.#arm(this.#options.now() + 1000);
        return;
      }
    } while (this.#again && !this.#closed);
    if (this.#options.timers && !this.#closed) {
      try {
        const now = this.#options.now();
        let next = await this.#hooks.nextWakeAt(now);
        if (this.#options.pollMs !== undefined) next = Math.min(next ?? Infinity, now + this.#options.pollMs);
        // A wake() that raced with this computation may have armed an earlier timer: keep the earlier one.
        const at = Math.min(next ?? Infinity, this.#timerAt);
        if (at === Infinity) this.#disarm();
        else if (at !== this.#timerAt || this.#timer === undefined) this.#arm(at);
      } catch (err) {
        this.#hooks.onError(err);
        this.#arm(this.#options.now() + 1000);
      }
    }
  }

  async #fill(): Promise<void> {
    const max = this.#options.maxConcurrency;
    await this.#hooks.tick(this.#options.now());
    while (!this.#closed && this.#running.size < max) {
      if (this.#readyHead < this.#ready.length) {
        const msg = this.#ready[this.#readyHead++];
        if (this.#readyHead > 1024 && this.#readyHead * 2 > this.#ready.length) {
          this.#ready = this.#ready.slice(this.#readyHead);
          this.#readyHead = 0;
        }
        this.#start(msg);
        continue;
      }
      const now = this.#options.now();
      const batch = await this.#hooks.claim(now, max - this.#running.size);
      if (batch.length === 0) return;
      for (const msg of batch) if (this.#hooks.admit(msg, now)) this.#start(msg);
    }
  }

  #start(msg: StoredMessage): void {
    const p: Promise<void> = this.#hooks
      .run(msg)
      .catch((err: unknown) => this.#hooks.onError(err))
      .finally(() => {
        this.#running.delete(p);
        this.kick();
      });
    this.#running.add(p);
  }

  #arm(at: number): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timerAt = at;
    const ms = Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(at - this.#options.now())));
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#timerAt = Infinity;
      this.kick();
    }, ms);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  /** Wait until nothing is in flight and no loop is running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0 || this.#pumping || this.#kicked) {
      await Promise.all([...this.#running, this.#pumping]);
      await new Promise<void>((r) => queueMicrotask(r));
    }
  }

  /** Deliver everything due now, including retries that fall due meanwhile; settles when done. */
  async runDue(): Promise<void> {
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      await this.pump();
      await this.idle();
      const now = this.#options.now();
      const next = await this.#hooks.nextWakeAt(now);
      if (this.#readyHead >= this.#ready.length && (next === undefined || next > now)) return;
    }
  }

  /** Messages admitted but not started (for shutdown). */
  takeReady(): StoredMessage[] {
    const out = this.#ready.slice(this.#readyHead);
    this.#ready = [];
    this.#readyHead = 0;
    return out;
  }

  /** Stop timers and the loop; waits for in-flight deliveries. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#disarm();
    await this.idle();
  }
}
