/**
 * `createNodeVerifier`: the shared `Upstash-Signature` checks of `createJwtVerifierWith`
 * (src/verify/jwt-verifier.ts: Hono's token reader, key rotation, `iss`, `nbf`/`exp` with the
 * tolerance, `sub`, body hash) with the HMAC and the hash on synchronous node:crypto. Accepts and
 * refuses the same tokens, with the same reasons, as the official Receiver
 * (`test/verify/qstash-verifier.test.ts`).
 *
 * Why node:crypto and not Hono's `verify` (a measured reason): `node --import tsx bench/jwt.ts`
 * measured a delivery's token at 10–18 µs of CPU here, against 64–220 µs with Hono's `verify`
 * and 51–113 µs with the official Receiver (both on Web Crypto, each call a thread-pool job on
 * Node): 4–16 × run for run. Tokens in QStash's form are decoded with Buffer's base64url, others
 * by Hono's reader (`JwtCrypto.base64url`), for a measured reason: in `bench/profile.ts`, Hono's
 * reader was 13.7 µs of a worker's 182 µs of CPU per delivery, about 5 µs with Buffer. A
 * fast-check property in `test/verify/qstash-verifier.test.ts` holds both readers to the same
 * answers.
 * @module
 */

import * as nodeCrypto from "node:crypto";
import { createJwtVerifierWith, type JwtCryptoFactory, type JwtVerifierOptions } from "../verify/jwt-verifier.ts";
import type { Verifier } from "../verify/verifier.ts";

/** Bytes of an HMAC-SHA256. */
const MAC_BYTES = 32;

const { createHash, createHmac, createSecretKey, timingSafeEqual } = nodeCrypto;

/** Unpadded base64url SHA-256 of `body` (UTF-8): one-shot `hash` where Node has it (20.12+), else a `Hash`. */
const sha256Base64url: (body: string) => string =
  typeof nodeCrypto.hash === "function"
    ? (body) => nodeCrypto.hash("sha256", body, "base64url")
    : (body) => createHash("sha256").update(body, "utf8").digest("base64url");

/** HMAC-SHA256 and SHA-256 on node:crypto, with each key made a `KeyObject` once. */
const syncCrypto: JwtCryptoFactory = (keys) => {
  const secrets = keys.map((k) => createSecretKey(Buffer.from(k, "utf8")));
  return {
    verifyHmac(key, data, signature) {
      // The length is public (always 32 for HS256); the bytes are compared in constant time.
      return signature.length === MAC_BYTES && timingSafeEqual(createHmac("sha256", secrets[key]).update(data, "utf8").digest(), signature);
    },
    sha256Base64url,
    base64url: {
      text: (part) => Buffer.from(part, "base64url").toString("utf8"),
      bytes: (part) => Buffer.from(part, "base64url") as Uint8Array<ArrayBuffer>,
    },
  };
};

/**
 * A Verifier for `Upstash-Signature` tokens signed with the current or the next key, on
 * node:crypto. Options as `createJwtVerifier`; the URL is checked against the token's `sub`.
 * @example
 * import { createNodeVerifier } from "celeriac/node";
 * const verifier = createNodeVerifier({ currentSigningKey: process.env.QSTASH_CURRENT_SIGNING_KEY!, nextSigningKey: process.env.QSTASH_NEXT_SIGNING_KEY! });
 * // signature: the request's Upstash-Signature header (null when absent)
 * await verifier.verify({ signature, body: await req.text(), url: req.url });
 */
export function createNodeVerifier(options: JwtVerifierOptions): Verifier {
  return createJwtVerifierWith(options, syncCrypto);
}
