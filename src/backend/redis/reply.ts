/**
 * Decoding Redis replies that hold JSON objects, whatever the client's deserialization setting.
 *
 * `@upstash/redis` JSON-parses every reply string by default (`automaticDeserialization`), and
 * returns raw strings when that is turned off. celeriac therefore stores only JSON *objects*
 * where it reads values back (result meta, `{"reason"}` tombstones, `{"id"}` idempotency
 * entries, `{"v"}` cache entries): an object reply was parsed by the client, a string reply is
 * parsed here, and neither can be confused with the other. (A bare JSON string or number would
 * be ambiguous: `"123"` comes back as the number 123 with deserialization on.)
 * @module
 */
import { BackendError } from "../../errors.ts";

/** The JSON object in `reply` (parsed by the client or still text), or null for a missing key. */
export function decodeObject<T extends object>(reply: unknown, what: string): T | null {
  if (reply === null || reply === undefined || reply === false) return null;
  let value: unknown = reply;
  if (typeof reply === "string") {
    try {
      value = JSON.parse(reply);
    } catch (err) {
      throw new BackendError(`Redis holds a ${what} that is not JSON: ${reply.slice(0, 120)}`, { cause: err });
    }
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new BackendError(`Redis holds a ${what} that is not a JSON object: ${JSON.stringify(value)?.slice(0, 120)}`);
  }
  return value as T;
}
