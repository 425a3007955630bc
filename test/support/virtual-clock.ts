/**
 * One virtual clock shared by the local broker (`now`) and the worker (`now`, `timers`), so
 * broker delays, leases, expiry and time limits all move together and only when a test says so.
 */
import type { Timers } from "../../src/index.ts";

interface Pending {
  at: number;
  seq: number;
  fn: () => void;
}

export class VirtualClock {
  #now: number;
  #seq = 0;
  readonly #pending = new Map<number, Pending>();

  /** Starts at real time: the broker signs with this clock and the Receiver checks `exp` against real time. */
  constructor(start = Date.now()) {
    this.#now = start;
  }

  /** Epoch ms. */
  readonly now = (): number => this.#now;

  /** Timers that fire only when {@link advance} passes their due time. */
  readonly timers: Timers = {
    setTimeout: (fn, ms) => {
      const seq = ++this.#seq;
      this.#pending.set(seq, { at: this.#now + Math.max(0, ms), seq, fn });
      return seq;
    },
    clearTimeout: (handle) => {
      this.#pending.delete(handle as number);
    },
  };

  /** Timers waiting to fire. */
  get pendingTimers(): number {
    return this.#pending.size;
  }

  /** Move forward by `ms`, firing due timers in due order (each sees the clock at its due time). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      let next: Pending | undefined;
      for (const p of this.#pending.values()) if (p.at <= target && (!next || p.at < next.at || (p.at === next.at && p.seq < next.seq))) next = p;
      if (!next) break;
      this.#pending.delete(next.seq);
      this.#now = Math.max(this.#now, next.at);
      next.fn();
    }
    this.#now = target;
  }
}
