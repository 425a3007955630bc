/**
 * Response side of the Redis REST bridge: renders RESP2 replies, as node-redis decodes them with
 * {@link REPLY_TYPE_MAPPING}, straight into the JSON text of the Upstash REST protocol.
 *
 * Shapes: integers are JSON numbers (their exact decimal text), bulk and status strings are JSON
 * strings, nil is `null`, arrays nest. With `Upstash-Encoding: base64` every string at every depth
 * is base64 (UTF-8 bytes), except a top-level `"OK"`, which stays raw as Upstash sends it; errors
 * are never encoded. Without the header, strings are UTF-8 text (invalid bytes become U+FFFD).
 * No JSON object is ever produced: the client would turn it into `null`.
 * @module
 */
import { Buffer } from "node:buffer";
import { ErrorReply, RESP_TYPES } from "redis";

/**
 * node-redis type mapping for every command the bridge sends: strings as raw bytes (so status and
 * bulk replies are both `Buffer`s and nothing is decoded twice), integers as their exact decimal
 * text (no precision loss above 2^53).
 */
export const REPLY_TYPE_MAPPING = {
  [RESP_TYPES.BLOB_STRING]: Buffer,
  [RESP_TYPES.SIMPLE_STRING]: Buffer,
  [RESP_TYPES.NUMBER]: String,
} as const;

const INTEGER = /^-?\d+$/;
const O = 0x4f;
const K = 0x4b;

/**
 * The JSON text of one reply.
 * @param base64 encode strings as base64 (the `Upstash-Encoding: base64` request header)
 * @param top the reply is a whole result (single command, or one pipeline/transaction item),
 *   where `"OK"` stays raw; nested values are always encoded
 */
export function replyJson(reply: unknown, base64: boolean, top: boolean): string {
  if (reply === null || reply === undefined) return "null";
  if (Buffer.isBuffer(reply)) {
    if (!base64) return JSON.stringify(reply.toString("utf8"));
    if (top && reply.length === 2 && reply[0] === O && reply[1] === K) return '"OK"';
    return `"${reply.toString("base64")}"`;
  }
  if (typeof reply === "string") {
    // Integers arrive as text through REPLY_TYPE_MAPPING; anything else is a string.
    if (INTEGER.test(reply)) return reply;
    return stringJson(reply, base64);
  }
  if (Array.isArray(reply)) return arrayJson(reply, base64);
  if (typeof reply === "number") return Number.isFinite(reply) ? String(reply) : "null";
  // A Redis error nested inside a reply (a Lua table holding redis.error_reply): its text.
  if (reply instanceof Error) return stringJson(reply.message, base64);
  // RESP3-only shapes, should a client hand them over anyway: flatten, never an object.
  if (reply instanceof Map) return arrayJson([...reply].flat(), base64);
  if (reply instanceof Set) return arrayJson([...reply], base64);
  if (typeof reply === "boolean") return reply ? "1" : "0";
  if (typeof reply === "bigint") return reply.toString();
  return stringJson(String(reply), base64);
}

function arrayJson(items: readonly unknown[], base64: boolean): string {
  if (items.length === 0) return "[]";
  let out = "[" + replyJson(items[0], base64, false);
  for (let i = 1; i < items.length; i++) out += "," + replyJson(items[i], base64, false);
  return out + "]";
}

function stringJson(text: string, base64: boolean): string {
  return base64 ? `"${Buffer.from(text, "utf8").toString("base64")}"` : JSON.stringify(text);
}

/** `{"result":…}` for a successful reply. */
export function resultJson(reply: unknown, base64: boolean): string {
  return '{"result":' + replyJson(reply, base64, true) + "}";
}

/** `{"error":"…"}`; error text is never base64-encoded. */
export function errorJson(message: string): string {
  return '{"error":' + JSON.stringify(message) + "}";
}

/**
 * The JSON array answering `/pipeline` or `/multi-exec`: one `{"result":…}` or `{"error":…}`
 * per command, in order. Items that are Redis errors become `{"error":…}`.
 */
export function itemsJson(replies: readonly unknown[], base64: boolean): string {
  let out = "[";
  for (let i = 0; i < replies.length; i++) {
    if (i > 0) out += ",";
    const reply = replies[i];
    out += reply instanceof ErrorReply ? errorJson(reply.message) : resultJson(reply, base64);
  }
  return out + "]";
}
