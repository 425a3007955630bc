/**
 * Headers without building a `Headers` object: names lower-cased, a repeated header's values
 * joined with ", ", looked up case-insensitively, and values checked as `Headers` checks them.
 * Used for a batch item's headers, the answers the socket client reads off the wire and the
 * headers `QStashFetchBroker` sends.
 * @module
 */

/** A header name HTTP allows (an RFC 9110 token). */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold: line breaks, NUL, characters above U+00FF. */
const BAD_VALUE = /[\0\r\n]|[^\0-\xff]/;
/** A value `Headers` keeps unchanged: visible ASCII at both ends, spaces and tabs allowed between. */
const PLAIN_VALUE = /^[\x21-\x7e](?:[\t\x20-\x7e]*[\x21-\x7e])?$/;
/** The whitespace `Headers` strips from both ends of a value. */
const EDGE_SPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

/**
 * `value` as `Headers` would store it under `name` (trimmed), or a `TypeError` saying what is
 * wrong where `Headers` would refuse the pair.
 */
export function headerValue(name: string, value: string): string {
  if (!HEADER_NAME.test(name)) throw new TypeError(`${JSON.stringify(name)} is not a valid header name`);
  if (PLAIN_VALUE.test(value)) return value; // the usual value, kept as it is: no trimming to do
  const trimmed = value.replace(EDGE_SPACE, "");
  if (BAD_VALUE.test(trimmed)) throw new TypeError(`header ${name} holds a line break, NUL or a character above U+00FF`);
  return trimmed;
}

/**
 * Lower-case header names to values, read like `Headers` (`get`, `has`, `forEach`); as in
 * `Headers`, `forEach` gives each `Set-Cookie` value on its own.
 */
export class HeaderMap {
  readonly #map = new Map<string, string>();
  #cookies: string[] | undefined;

  /** Add `value` under `name` (lower-cased); a second value for a name is joined with ", ". */
  append(name: string, value: string): void {
    const key = name.toLowerCase();
    const seen = this.#map.get(key);
    this.#map.set(key, seen === undefined ? value : `${seen}, ${value}`);
    if (key === "set-cookie") (this.#cookies ??= []).push(value);
  }

  get(name: string): string | null {
    return this.#map.get(name.toLowerCase()) ?? null;
  }

  has(name: string): boolean {
    return this.#map.has(name.toLowerCase());
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this.#map) {
      if (name === "set-cookie" && this.#cookies) for (const cookie of this.#cookies) callback(cookie, name);
      else callback(value, name);
    }
  }
}
