/**
 * QStash's `Upstash-Signature` token: a compact HS256 JWS whose key is the UTF-8 bytes of the
 * whole signing key (`sig_…`), with claims `iss` = "Upstash", `sub` = the exact destination URL,
 * `exp` = iat + 300, `nbf`, `iat`, `jti` = "jwt_…" and `body` = padded base64url SHA-256 of the
 * exact body bytes. Web Crypto only.
 * @module
 */

import { base64url } from "../util/base64url.ts";

const encoder = new TextEncoder();
/** base64url of `{"alg":"HS256","typ":"JWT"}`: the same for every token. */
const HEADER = base64url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
/** Seconds a token stays valid, as QStash does. */
export const QSTASH_JWT_TTL_SEC = 300;

/** Padded base64url SHA-256 of `body` (strings are UTF-8 encoded): the `body` claim. */
export async function qstashBodyHash(body: string | Uint8Array): Promise<string> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return base64url(new Uint8Array(digest), true);
}

const POOL_SIZE = 4096;
let pool = new Uint8Array(0);
let poolAt = POOL_SIZE;

/** `n` random bytes from a pooled `crypto.getRandomValues` buffer (one call per 4 KiB). */
export function randomBytes(n: number): Uint8Array {
  if (poolAt + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(Math.max(POOL_SIZE, n)));
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + n);
  poolAt += n;
  return out;
}

/** A fresh `jwt_…` id. */
export function randomJti(): string {
  return `jwt_${base64url(randomBytes(16))}`;
}

/** The claims of one token. */
export interface TokenClaims {
  url: string;
  bodyHash: string;
  nowSec: number;
  jti?: string;
  notBeforeSec?: number;
}

/** The signing part `base64url(header).base64url(payload)` of a token. */
export function signingInput(claims: TokenClaims): string {
  const iat = Math.floor(claims.nowSec);
  const payload =
    `{"iss":"Upstash","sub":${JSON.stringify(claims.url)},"exp":${iat + QSTASH_JWT_TTL_SEC},` +
    `"nbf":${claims.notBeforeSec ?? 0},"iat":${iat},"jti":${JSON.stringify(claims.jti ?? randomJti())},` +
    `"body":${JSON.stringify(claims.bodyHash)}}`;
  return `${HEADER}.${base64url(encoder.encode(payload))}`;
}

/**
 * What the broker signs with. The default is Web Crypto ({@link QStashSigner}); a runtime may
 * pass a faster one (Node: `createNodeSigner` in src/node/broker/signer.ts) producing the same bytes.
 */
export interface TokenSigner {
  readonly key: string;
  /** The padded base64url SHA-256 `body` claim. */
  bodyHash(body: Uint8Array): string | Promise<string>;
  sign(claims: TokenClaims): string | Promise<string>;
}

/** Signs tokens with one key on Web Crypto; the imported HMAC key is cached, so each token costs one HMAC. */
export class QStashSigner implements TokenSigner {
  readonly key: string;
  #cryptoKey: Promise<CryptoKey>;

  constructor(key: string) {
    this.key = key;
    this.#cryptoKey = crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  }

  bodyHash(body: Uint8Array): Promise<string> {
    return qstashBodyHash(body);
  }

  /**
   * Build a token from a precomputed `bodyHash` (see {@link qstashBodyHash}).
   * `notBeforeSec` defaults to 0, as QStash has sent since September 2024 (no clock-skew failures).
   */
  async sign(claims: TokenClaims): Promise<string> {
    const input = signingInput(claims);
    const mac = await crypto.subtle.sign("HMAC", await this.#cryptoKey, encoder.encode(input));
    return `${input}.${base64url(new Uint8Array(mac))}`;
  }
}

/** Options of {@link signQStashJwt}. */
export interface SignQStashJwtOptions {
  /** The signing key, `sig_…` prefix included. */
  key: string;
  /** The exact URL the request goes to (query string included): the `sub` claim. */
  url: string;
  /** The exact body bytes sent (strings are UTF-8 encoded). */
  body: string | Uint8Array;
  /** Issue time in unix seconds (`iat`); `exp` is 300 s later. */
  nowSec: number;
  /** Token id; default a random `jwt_…`. */
  jti?: string | undefined;
  /** The `nbf` claim; default 0 (QStash's current behaviour). */
  notBeforeSec?: number | undefined;
}

/**
 * Produce the `Upstash-Signature` token QStash sends with a delivery.
 * @example
 * const token = await signQStashJwt({ key: "sig_…", url: "https://app/tasks/x", body: "{}", nowSec: Date.now() / 1000 });
 */
export async function signQStashJwt(options: SignQStashJwtOptions): Promise<string> {
  const bodyHash = await qstashBodyHash(options.body);
  return new QStashSigner(options.key).sign({ url: options.url, bodyHash, nowSec: options.nowSec, jti: options.jti, notBeforeSec: options.notBeforeSec });
}
