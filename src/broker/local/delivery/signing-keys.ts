/**
 * The broker's signing keys: the current one signs deliveries, the next one is published for
 * receivers; rotation promotes next to current and draws a new next.
 * @module
 */

import type { TokenSigner } from "../../../verify/qstash-jwt.ts";

export class SigningKeys {
  #current: string;
  #next: string;
  #signer: TokenSigner;
  readonly #createSigner: (key: string) => TokenSigner;
  readonly #newKey: () => string;

  constructor(options: { current: string; next: string; createSigner: (key: string) => TokenSigner; newKey: () => string }) {
    this.#current = options.current;
    this.#next = options.next;
    this.#createSigner = options.createSigner;
    this.#newKey = options.newKey;
    this.#signer = options.createSigner(options.current);
  }

  /** The signer of the current key. */
  get signer(): TokenSigner {
    return this.#signer;
  }

  get pair(): { current: string; next: string } {
    return { current: this.#current, next: this.#next };
  }

  /** Next becomes current; `newNext` (default a random `sig_…`) becomes next. */
  rotate(newNext?: string): { current: string; next: string } {
    this.#current = this.#next;
    this.#next = newNext ?? this.#newKey();
    this.#signer = this.#createSigner(this.#current);
    return this.pair;
  }
}
