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
