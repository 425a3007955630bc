/**
 * The production Verifier: QStash's JWT checked by the official `Receiver` from `@upstash/qstash`.
 * The local broker signs exactly like QStash, so the same verifier serves both.
 * @module
 */

import { Receiver } from "@upstash/qstash";
import { ConfigError, SignatureError } from "../errors.ts";
import { MISSING_SIGNATURE_MESSAGE, type Verifier, type VerifyInput } from "./verifier.ts";

/** Options of {@link createQStashVerifier}. */
export interface QStashVerifierOptions {
  /** `QSTASH_CURRENT_SIGNING_KEY` (`sig_…`). */
  currentSigningKey: string;
  /** `QSTASH_NEXT_SIGNING_KEY` (`sig_…`), accepted too so key rotation never drops deliveries. */
  nextSigningKey: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. Default 0 (the Receiver's default). */
  clockToleranceSec?: number | undefined;
}

/**
 * A Verifier for `Upstash-Signature` tokens signed with the current or the next key. The URL is
 * checked against the token's `sub`, so a token replayed to another endpoint fails.
 * @example
 * const verifier = createQStashVerifier({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
 * await verifier.verify({ signature: req.headers.get("Upstash-Signature"), body: await req.text(), url: req.url });
 */
export function createQStashVerifier(options: QStashVerifierOptions): Verifier {
  const missing = (["currentSigningKey", "nextSigningKey"] as const).filter((k) => !options[k]);
  if (missing.length) {
    throw new ConfigError(`QStash verifier needs ${missing.join(" and ")}: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY (the local broker prints them).`);
  }
  // devMode false: the configured keys are the truth even when QSTASH_DEV is set in the environment.
  const receiver = new Receiver({ currentSigningKey: options.currentSigningKey, nextSigningKey: options.nextSigningKey, devMode: false });
  const clockTolerance = options.clockToleranceSec ?? 0;
  return {
    async verify(input: VerifyInput): Promise<void> {
      if (!input.signature) throw new SignatureError(MISSING_SIGNATURE_MESSAGE);
      try {
        await receiver.verify({ signature: input.signature, body: input.body, url: input.url, clockTolerance });
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new SignatureError(
          `invalid Upstash-Signature for ${input.url}: ${reason}. The token must be signed with QSTASH_CURRENT_SIGNING_KEY or QSTASH_NEXT_SIGNING_KEY, be unexpired, name this URL, and hash the exact raw body.`,
          { cause: err },
        );
      }
    },
  };
}
