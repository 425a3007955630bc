/**
 * The Verifier port: checks that an incoming delivery came from the broker.
 * @module
 */

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
export const MISSING_SIGNATURE_MESSAGE = "missing Upstash-Signature header: requests to /tasks/* must come from the broker";
