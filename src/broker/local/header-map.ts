/**
 * Headers as the local broker reads them without building a `Headers` object: names lower-cased,
 * a repeated header's values joined with ", ", looked up case-insensitively. Used for a batch
 * item's headers and for the answers the socket client reads off the wire.
 * @module
 */

/** A header name HTTP allows (an RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Lower-case header names to values, read like `Headers` (`get`, `has`, `forEach`). */
export class HeaderMap {
  readonly #map = new Map<string, string>();

  /** Add `value` under `name` (lower-cased); a second value for a name is joined with ", ". */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const seen = this.#map.get(key);
    this.#map.set(key, seen === undefined ? value : `${seen}, ${value}`);
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) callback(value, name);
  }
}
