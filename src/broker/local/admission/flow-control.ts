/**
 * Flow control (`Upstash-Flow-Control-Key/-Value`): per key, at most `parallelism` requests in
 * flight and at most `rate` activations per `period`; messages over a limit wait in the key's
 * wait list. The newest message's settings update the key unless pinned. Counters are runtime
 * state: they restart empty with the broker.
 * @module
 */

import { Fifo } from "./fifo.ts";
import type { FlowControlConfig, StoredMessage } from "../message/message.ts";

/** Runtime state of one key. */
export interface FlowKeyState {
  key: string;
  /** From the newest message. */
  config: { parallelism?: number; rate?: number; periodSec: number };
  pinned: { parallelism?: number; rate?: number; periodSec?: number };
  inflight: number;
  rateCount: number;
  periodStart: number;
  paused: boolean;
  waiting: Fifo<StoredMessage>;
}

/** What `GET /v2/flowControl/{key}` answers. */
export interface FlowKeyInfo {
  flowControlKey: string;
  waitListSize: number;
  parallelismMax: number;
  parallelismCount: number;
  rateMax: number;
  rateCount: number;
  ratePeriod: number;
  ratePeriodStart: number;
  isPaused: boolean;
  isPinnedParallelism: boolean;
  isPinnedRate: boolean;
}

export class FlowControlGate {
  readonly #keys = new Map<string, FlowKeyState>();
  readonly #release: (msg: StoredMessage) => void;

  constructor(release: (msg: StoredMessage) => void) {
    this.#release = release;
  }

  #state(key: string, now: number): FlowKeyState {
    let s = this.#keys.get(key);
    if (!s) {
      s = { key, config: { periodSec: 1 }, pinned: {}, inflight: 0, rateCount: 0, periodStart: now, paused: false, waiting: new Fifo() };
      this.#keys.set(key, s);
    }
    return s;
  }

  #limits(s: FlowKeyState): { parallelism?: number; rate?: number; periodMs: number } {
    return {
      parallelism: s.pinned.parallelism ?? s.config.parallelism,
      rate: s.pinned.rate ?? s.config.rate,
      periodMs: (s.pinned.rate !== undefined ? (s.pinned.periodSec ?? s.config.periodSec) : s.config.periodSec) * 1000,
    };
  }

  #roll(s: FlowKeyState, now: number, periodMs: number): void {
    if (now >= s.periodStart + periodMs) {
      s.periodStart = now;
      s.rateCount = 0;
    }
  }

  #blocked(s: FlowKeyState, now: number): boolean {
    if (s.paused) return true;
    const l = this.#limits(s);
    if (l.parallelism !== undefined && s.inflight >= l.parallelism) return true;
    if (l.rate !== undefined) {
      this.#roll(s, now, l.periodMs);
      if (s.rateCount >= l.rate) return true;
    }
    return false;
  }

  #take(s: FlowKeyState, now: number): void {
    const l = this.#limits(s);
    this.#roll(s, now, l.periodMs);
    s.inflight++;
    s.rateCount++;
  }

  /** Record the message's settings on its key. */
  observe(fc: FlowControlConfig, now: number): void {
    const s = this.#state(fc.key, now);
    s.config = { parallelism: fc.parallelism, rate: fc.rate, periodSec: fc.periodSec ?? 1 };
  }

  admit(msg: StoredMessage, now: number): boolean {
    const fc = msg.flowControl;
    if (!fc) return true;
    const s = this.#state(fc.key, now);
    if (s.waiting.length > 0 || this.#blocked(s, now)) {
      s.waiting.push(msg);
      return false;
    }
    this.#take(s, now);
    return true;
  }

  onAttemptEnd(msg: StoredMessage, now: number): void {
    const fc = msg.flowControl;
    if (!fc) return;
    const s = this.#keys.get(fc.key);
    if (!s) return;
    s.inflight = Math.max(0, s.inflight - 1);
    this.#drain(s, now);
  }

  #drain(s: FlowKeyState, now: number): void {
    while (s.waiting.length > 0 && !this.#blocked(s, now)) {
      const msg = s.waiting.shift()!;
      this.#take(s, now);
      this.#release(msg);
    }
  }

  /** Release what the passing of time allows (rate windows). */
  tick(now: number): void {
    for (const s of this.#keys.values()) if (s.waiting.length > 0) this.#drain(s, now);
  }

  /** When the earliest rate window with waiters opens. */
  nextWakeAt(): number | undefined {
    let next: number | undefined;
    for (const s of this.#keys.values()) {
      if (s.waiting.length === 0 || s.paused) continue;
      const l = this.#limits(s);
      if (l.rate === undefined || s.rateCount < l.rate) continue;
      const at = s.periodStart + l.periodMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  unpark(msg: StoredMessage): boolean {
    return msg.flowControl !== undefined && (this.#keys.get(msg.flowControl.key)?.waiting.remove(msg) ?? false);
  }

  drain(): StoredMessage[] {
    return [...this.#keys.values()].flatMap((s) => s.waiting.drain());
  }

  // ── the flowControl API ──────────────────────────────────────────────────

  info(key: string, now: number): FlowKeyInfo | undefined {
    const s = this.#keys.get(key);
    if (!s) return undefined;
    const l = this.#limits(s);
    this.#roll(s, now, l.periodMs);
    return {
      flowControlKey: key,
      waitListSize: s.waiting.length,
      parallelismMax: l.parallelism ?? 0,
      parallelismCount: s.inflight,
      rateMax: l.rate ?? 0,
      rateCount: s.rateCount,
      ratePeriod: l.periodMs / 1000,
      ratePeriodStart: Math.floor(s.periodStart / 1000),
      isPaused: s.paused,
      isPinnedParallelism: s.pinned.parallelism !== undefined,
      isPinnedRate: s.pinned.rate !== undefined,
    };
  }

  list(now: number): FlowKeyInfo[] {
    return [...this.#keys.keys()].map((k) => this.info(k, now)!);
  }

  setPaused(key: string, paused: boolean, now: number): void {
    const s = this.#state(key, now);
    s.paused = paused;
    if (!paused) this.#drain(s, now);
  }

  pin(key: string, pin: { parallelism?: number; rate?: number; periodSec?: number }, now: number): void {
    const s = this.#state(key, now);
    if (pin.parallelism !== undefined) s.pinned.parallelism = pin.parallelism;
    if (pin.rate !== undefined) s.pinned.rate = pin.rate;
    if (pin.periodSec !== undefined) s.pinned.periodSec = pin.periodSec;
    this.#drain(s, now);
  }

  unpin(key: string, which: { parallelism?: boolean; rate?: boolean }, now: number): void {
    const s = this.#state(key, now);
    if (which.parallelism) delete s.pinned.parallelism;
    if (which.rate) {
      delete s.pinned.rate;
      delete s.pinned.periodSec;
    }
    this.#drain(s, now);
  }

  resetRate(key: string, now: number): void {
    const s = this.#state(key, now);
    s.rateCount = 0;
    s.periodStart = now;
    this.#drain(s, now);
  }
}
