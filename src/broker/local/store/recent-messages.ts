/**
 * Delivered messages stay readable for a grace period (QStash removes them "shortly after"), so a
 * read right after a fast delivery does not 404. Bounded by age and count; O(1) amortized.
 * @module
 */

import type { StoredMessage } from "../message/message.ts";

export class RecentMessages {
  readonly #items = new Map<string, { msg: StoredMessage; at: number }>();
  constructor(
    readonly maxAgeMs = 60_000,
    readonly maxCount = 1000,
  ) {}

  add(msg: StoredMessage, now: number): void {
    this.#items.set(msg.id, { msg, at: now });
    for (const [id, r] of this.#items) {
      if (this.#items.size <= this.maxCount && now - r.at < this.maxAgeMs) break;
      this.#items.delete(id);
    }
  }

  get(id: string): StoredMessage | undefined {
    return this.#items.get(id)?.msg;
  }
}
