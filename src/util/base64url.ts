/**
 * Base64url (RFC 4648 §5) on Web APIs only.
 * @module
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/** Encode bytes as base64url. `pad` keeps the trailing `=` (QStash's `body` claim is padded). */
export function base64url(bytes: Uint8Array, pad = false): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + ALPHABET[n & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i] << 16;
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + (pad ? "==" : "");
  } else if (rest === 2) {
    const n = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += ALPHABET[n >> 18] + ALPHABET[(n >> 12) & 63] + ALPHABET[(n >> 6) & 63] + (pad ? "=" : "");
  }
  return out;
}

/** Standard base64 (with `+`, `/` and padding), for JSON fields such as `bodyBase64`. */
export function base64(bytes: Uint8Array): string {
  return base64url(bytes, true).replace(/[-_]/g, (c) => (c === "-" ? "+" : "/"));
}

const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

/** `text` without its trailing `=` padding. */
export function unpadded(text: string): string {
  let end = text.length;
  while (end > 0 && text.charCodeAt(end - 1) === 61) end--;
  return end === text.length ? text : text.slice(0, end);
}

/**
 * The binary string (one character per byte) of base64url text with up to two trailing `=`, or
 * `undefined` when it holds any other character or has an impossible length. Leftover bits are
 * ignored, as `atob` does (which does the decoding, natively).
 */
export function base64urlToBinary(text: string): string | undefined {
  if (!BASE64URL.test(text)) return undefined;
  try {
    return atob(unpadded(text).replace(/-/g, "+").replace(/_/g, "/"));
  } catch {
    return undefined; // a length of 4n+1 characters
  }
}

/** The bytes of base64url text, or `undefined` (see {@link base64urlToBinary}). */
export function fromBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  const binary = base64urlToBinary(text);
  if (binary === undefined) return undefined;
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}
