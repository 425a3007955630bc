/**
 * The production Verifier: QStash's JWT checked by the official `Receiver` from `@upstash/qstash`.
 * The local broker signs exactly like QStash, so the same verifier serves both.
 * @module
 */

import { Receiver } from "@upstash/qstash";
import { SignatureError } from "../errors.ts";
import { MISSING_SIGNATURE_MESSAGE, refusedSignature, requireSigningKeys, type Verifier, type VerifyInput } from "./verifier.ts";

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
 * // signature: the request's Upstash-Signature header (null when absent)
 * await verifier.verify({ signature, body: await req.text(), url: req.url });
 */
export function createQStashVerifier(options: QStashVerifierOptions): Verifier {
  requireSigningKeys(options);
  // devMode false: the configured keys are the truth even when QSTASH_DEV is set in the environment.
  const receiver = new Receiver({ currentSigningKey: options.currentSigningKey, nextSigningKey: options.nextSigningKey, devMode: false });
  const clockTolerance = options.clockToleranceSec ?? 0;
  return {
    async verify(input: VerifyInput): Promise<void> {
      if (!input.signature) throw new SignatureError(MISSING_SIGNATURE_MESSAGE);
      try {
        await receiver.verify({ signature: input.signature, body: input.body, url: input.url, clockTolerance });
      } catch (err) {
        throw refusedSignature(input.url, err, input.signature, Date.now());
      }
    },
  };
}
