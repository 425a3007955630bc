/**
 * The Verifier port: checks that an incoming delivery came from the broker.
 * @module
 */

import { ConfigError, SignatureError } from "../errors.ts";
import { UPSTASH_SIGNATURE } from "../headers.ts";

/** What a verifier needs from a delivery: the raw `Upstash-Signature`, the exact body text and the URL it was sent to. */
export interface VerifyInput {
  /** The `Upstash-Signature` header, or null when absent. */
  signature: string | null;
  /** The raw body text, exactly as received (never re-serialized). */
  body: string;
  /** The URL the broker delivered to (the token's `sub`). */
  url: string;
}

/** Verifies deliveries; throws `SignatureError` (src/errors.ts) when a request is not from the broker. */
export interface Verifier {
  verify(input: VerifyInput): Promise<void>;
}

/** The message for a delivery without a signature. */
export const MISSING_SIGNATURE_MESSAGE = `missing ${UPSTASH_SIGNATURE} header: requests to /tasks/* must come from the broker`;

/** Throws a ConfigError naming each signing key missing from `options`, and where to set it. */
export function requireSigningKeys(options: { currentSigningKey: string; nextSigningKey: string }): void {
  const missing = (["currentSigningKey", "nextSigningKey"] as const).filter((k) => !options[k]);
  if (missing.length) {
    throw new ConfigError(`QStash verifier needs ${missing.join(" and ")}: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY (the local broker prints them).`);
  }
}

/**
 * The SignatureError for a delivery to `url` whose token was refused with `err`: the reason, then
 * what a valid token needs; when the token's `exp` is past at `nowMs`, a word about clocks (the
 * reason alone names the next key's failure, as the Receiver reports it, and hides the expiry).
 */
export function refusedSignature(url: string, err: unknown, token?: string, nowMs?: number): SignatureError {
  const reason = err instanceof Error ? err.message : String(err);
  return new SignatureError(
    `invalid ${UPSTASH_SIGNATURE} for ${url}: ${reason}. The token must be signed with QSTASH_CURRENT_SIGNING_KEY or QSTASH_NEXT_SIGNING_KEY, be unexpired, name this URL, and hash the exact raw body.${expiredHint(token, nowMs)}`,
    { cause: err },
  );
}

/** Read without trust, for the message only: the token's `exp` if it is past at `nowMs`. */
function expiredHint(token: string | undefined, nowMs: number | undefined): string {
  try {
    const exp = (JSON.parse(atob(token!.split(".")[1].replace(/-/g, "+").replace(/_/g, "/"))) as { exp?: unknown }).exp;
    if (typeof exp === "number" && exp * 1000 <= nowMs!) {
      return ` Its exp, ${new Date(exp * 1000).toISOString()}, is past by this machine's clock: if the broker just sent it, a clock is off (QStash tokens expire 5 minutes after signing).`;
    }
  } catch {
    // not a token we can read: no hint
  }
  return "";
}
