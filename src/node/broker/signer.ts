/**
 * A synchronous `TokenSigner` on node:crypto: the same tokens byte for byte as the Web Crypto
 * signer, without a thread-pool round trip per HMAC and hash (the broker's hottest path).
 *
 * Why our own (a measured reason): `node --import tsx bench/jwt.ts` measured a delivery's body
 * hash and token at 8–19 µs of CPU here, against 42–116 µs with Hono's `sign` (Web Crypto, with
 * this body hash): 3–12 × run for run (bench/README.md).
 * @module
 */

import { createHash, createHmac } from "node:crypto";
import { signingInput, type TokenClaims, type TokenSigner } from "../../verify/qstash-jwt.ts";

/** Create a node:crypto signer for `key` (pass as `createLocalBroker({ createSigner: createNodeSigner })`). */
export function createNodeSigner(key: string): TokenSigner {
  const keyBytes = Buffer.from(key, "utf8");
  return {
    key,
    bodyHash(body: Uint8Array): string {
      const h = createHash("sha256").update(body).digest("base64url");
      return `${h}=`; // 32 bytes → 43 chars + one "=" of padding, as QStash sends it
    },
    sign(claims: TokenClaims): string {
      const input = signingInput(claims);
      return `${input}.${createHmac("sha256", keyBytes).update(input).digest("base64url")}`;
    },
  };
}
