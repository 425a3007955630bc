/**
 * `createNodeVerifier`: the shared `Upstash-Signature` checks of `createJwtVerifierWith`
 * (src/verify/jwt-verifier.ts: key rotation, `iss`, `nbf`/`exp` with the tolerance, `sub`, body
 * hash) on synchronous node:crypto, with the token read by Buffer. Accepts and refuses the same
 * tokens, with the same reasons, as the official Receiver (`test/verify/qstash-verifier.test.ts`).
 *
 * Why our own on Node (house rule: a measured reason): `node --import tsx bench/jwt.ts` measured
 * a delivery's token at 7–10 µs of CPU here, against 64–139 µs with Hono's `verify` and 51–113
 * µs with the official Receiver (both on Web Crypto, each call a thread-pool job on Node): far
 * beyond the 2 × that would let Hono's serve Node too. Reading the token with Hono's `decode`
 * instead of Buffer, node:crypto otherwise, measured 2–6 µs more a token (bench/README.md).
 * @module
 */

import * as nodeCrypto from "node:crypto";
import { SignatureError } from "../errors.ts";
import { createJwtVerifierWith, type JwtCryptoFactory, type JwtParts, type JwtVerifierOptions } from "../verify/jwt-verifier.ts";
import type { Verifier } from "../verify/verifier.ts";

/** Bytes of an HMAC-SHA256. */
const MAC_BYTES = 32;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;

const { createHash, createHmac, createSecretKey, timingSafeEqual } = nodeCrypto;

/** Unpadded base64url SHA-256 of `body` (UTF-8): one-shot `hash` where Node has it (20.12+), else a `Hash`. */
const sha256Base64url: (body: string) => string =
  typeof nodeCrypto.hash === "function"
    ? (body) => nodeCrypto.hash("sha256", body, "base64url")
    : (body) => createHash("sha256").update(body, "utf8").digest("base64url");

/** The JSON in a base64url part, or undefined. */
function json(part: string): unknown {
  try {
    return BASE64URL.test(part) ? JSON.parse(Buffer.from(part, "base64url").toString("utf8")) : undefined;
  } catch {
    return undefined;
  }
}

/** The protected header's checks, in jose's order and words. */
function checkHeader(part: string): void {
  const header = json(part);
  if (typeof header !== "object" || header === null || Array.isArray(header)) throw new SignatureError("JWS Protected Header is invalid");
  if ("crit" in header) throw new SignatureError('Extension Header Parameter "crit" is not supported');
  if ((header as { alg?: unknown }).alg !== "HS256") throw new SignatureError('"alg" (Algorithm) Header Parameter value not allowed');
}

/** A token reader that parses a header only when it differs from the last one that passed (QStash sends the same one every time). */
function bufferReader(): (token: string) => JwtParts {
  let knownHeader: string | undefined;
  return (token) => {
    const first = token.indexOf(".");
    const second = first < 0 ? -1 : token.indexOf(".", first + 1);
    if (second < 0 || token.includes(".", second + 1)) throw new SignatureError("Invalid Compact JWS");
    const header = token.slice(0, first);
    if (header !== knownHeader) {
      checkHeader(header);
      knownHeader = header;
    }
    const mac = token.slice(second + 1);
    return { data: token.slice(0, second), signature: BASE64URL.test(mac) ? Buffer.from(mac, "base64url") : undefined, payload: json(token.slice(first + 1, second)) };
  };
}

/** HMAC-SHA256 and SHA-256 on node:crypto, with each key made a `KeyObject` once. */
const syncCrypto: JwtCryptoFactory = (keys) => {
  const secrets = keys.map((k) => createSecretKey(Buffer.from(k, "utf8")));
  return {
    readToken: bufferReader(),
    verifyHmac(key, data, signature) {
      // The length is public (always 32 for HS256); the bytes are compared in constant time.
      return signature.length === MAC_BYTES && timingSafeEqual(createHmac("sha256", secrets[key]).update(data, "utf8").digest(), signature);
    },
    sha256Base64url,
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
