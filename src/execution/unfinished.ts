/**
 * Attempts this process could not finish because the backend did not answer, remembered so the
 * broker's redelivery of the same attempt finishes them instead of running the body again or
 * recording a lost worker:
 * - a claim whose reply was lost (the claim may be taken, by this attempt's token): the
 *   redelivery claims again with the same token, which the claim script recognises;
 * - a body that returned (or failed for good) whose state could not be stored: the redelivery
 *   stores it and runs the hooks, without running the body again.
 * Process memory only: if the process dies too, the redelivery meets the claim as any lost
 * attempt (WorkerLostError for ack early, a re-run for acksLate once the lease is over).
 * @module
 */
import type { Outcome } from "./outcome.ts";

interface Unfinished {
  /** The token of a claim whose reply was lost. */
  token?: string;
  /** Stores the outcome of a body that already ran, and answers what the broker hears. */
  finish?: () => Promise<Outcome>;
  /** The finishing in progress, shared by concurrent redeliveries. */
  finishing?: Promise<Outcome>;
}

/** Unfinished attempts by `id:retries`, at most `limit` (the oldest are forgotten first). */
export class UnfinishedAttempts {
  readonly #byKey = new Map<string, Unfinished>();

  constructor(readonly limit = 10_000) {}

  /** The token to claim `key` with: the one of a claim whose reply was lost, else a new one. */
  claimToken(key: string): string {
    return this.#byKey.get(key)?.token ?? crypto.randomUUID();
  }

  /** The claim of `key` with `token` got no reply. */
  claimLost(key: string, token: string): void {
    this.#set(key, { token });
  }

  /** The body of `key` ran, but `finish` (which stores its outcome) could not reach the backend. */
  finishLater(key: string, finish: () => Promise<Outcome>): void {
    this.#set(key, { finish });
  }

  /** Finish `key` if its body already ran here (undefined otherwise); rejects while the backend is still out. */
  finish(key: string): Promise<Outcome | undefined> | undefined {
    const entry = this.#byKey.get(key);
    // Synchronous when there is nothing to finish (every delivery asks): no promise, no extra turn.
    return entry?.finish ? this.#finish(key, entry, entry.finish) : undefined;
  }

  async #finish(key: string, entry: Unfinished, finish: () => Promise<Outcome>): Promise<Outcome> {
    entry.finishing ??= finish().finally(() => delete entry.finishing);
    const outcome = await entry.finishing;
    if (this.#byKey.get(key) === entry) this.#byKey.delete(key);
    return outcome;
  }

  /** `key` was claimed or settled: nothing left to remember. */
  forget(key: string): void {
    this.#byKey.delete(key);
  }

  get size(): number {
    return this.#byKey.size;
  }

  #set(key: string, entry: Unfinished): void {
    this.#byKey.delete(key);
    this.#byKey.set(key, entry);
    if (this.#byKey.size > this.limit) this.#byKey.delete(this.#byKey.keys().next().value!);
  }
}
