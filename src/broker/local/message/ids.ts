/**
 * Identifiers: `msg_…`, `scd_…`, DLQ ids. Message ids sort by creation time within a process, so a
 * store that orders equal due times by id (a Redis sorted set) keeps FIFO order.
 * @module
 */

import { randomBytes } from "../../../verify/qstash-jwt.ts";

const CHARS = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/** A source of randomness in [0, 1); default pooled `crypto.getRandomValues`. */
export type Random = () => number;

const cryptoRandom: Random = () => {
  const b = randomBytes(4);
  return (((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0) / 2 ** 32;
};

/** Makes ids from a clock and a random source. */
export class IdFactory {
  #counter = 0;
  #random: Random;
  constructor(random?: Random) {
    this.#random = random ?? cryptoRandom;
  }

  /** `length` random characters from [0-9a-zA-Z]. */
  randomChars(length: number): string {
    let out = "";
    for (let i = 0; i < length; i++) out += CHARS[Math.floor(this.#random() * 62)];
    return out;
  }

  /** `msg_` + base36 time (9) + counter (4) + random (8). */
  messageId(nowMs: number): string {
    this.#counter = (this.#counter + 1) % 1_679_616;
    return `msg_${Math.max(0, Math.floor(nowMs)).toString(36).padStart(9, "0")}${this.#counter.toString(36).padStart(4, "0")}${this.randomChars(8)}`;
  }

  scheduleId(): string {
    return `scd_${this.randomChars(20)}`;
  }

  /** QStash style: epoch ms, `-`, a sequence number. */
  dlqId(nowMs: number): string {
    this.#counter = (this.#counter + 1) % 1_679_616;
    return `${Math.floor(nowMs)}-${this.#counter}${this.randomChars(4)}`;
  }
}
