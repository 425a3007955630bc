/**
 * `createJwtVerifier`: the checks of the official `Receiver.verify` without `@upstash/qstash` and
 * `jose`, for the Workers bundle. Same checks, same order, same reasons in the error: a compact
 * JWS with an HS256 header, signed with the current key (or else the next one, whose failure is
 * the one reported), `iss` = "Upstash", `nbf`/`exp` within the clock tolerance, then `sub` = the
 * URL and the `body` claim = base64url SHA-256 of the exact body (trailing `=` ignored).
 *
 * The token is read by Hono's JWT utilities ({@link readToken}: `decode` and `isTokenHeader`;
 * three parts, base64url JSON, `alg` HS256, `typ` "JWT" or absent, no `crit`) and its HMAC
 * checked with one Web Crypto `verify`. The reading and the checks are written once, in
 * {@link createJwtVerifierWith}, with only the HMAC and the hash plugged in ({@link JwtCrypto}):
 * Web Crypto here, node:crypto in `createNodeVerifier` (src/node/verifier.ts).
 * `test/verify/qstash-verifier.test.ts` runs one suite against both and the Receiver.
 * One difference QStash never meets: a `typ` header other than "JWT" is refused (jose ignores it).
 *
 * Why not Hono's whole `verify`: it brings Hono's JWS module (every algorithm and key format),
 * and the Workers runtime bundle measured 46,306 B gzip with it against 44,898 B as here, over
 * the 45 KB (46,080 B) budget (`npm run bench:bundle`); it also reads the clock itself, with no
 * tolerance and no injected `now`.
 * @module
 */
import { decodeBase64Url, encodeBase64Url } from "hono/utils/encode";
import { decode, decodeHeader, isTokenHeader } from "hono/utils/jwt/jwt";
import { SignatureError } from "../errors.ts";
import { MISSING_SIGNATURE_MESSAGE, refusedSignature, requireSigningKeys, type Verifier, type VerifyInput } from "./verifier.ts";

/** Options of {@link createJwtVerifier} (and of the verifiers built on {@link createJwtVerifierWith}). */
export interface JwtVerifierOptions {
  /** `QSTASH_CURRENT_SIGNING_KEY` (`sig_…`). */
  currentSigningKey: string;
  /** `QSTASH_NEXT_SIGNING_KEY` (`sig_…`), accepted too so key rotation never drops deliveries. */
  nextSigningKey: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. Default 0 (as the official Receiver). */
  clockToleranceSec?: number | undefined;
  /** The current time in epoch ms. Default `Date.now`. */
  now?: (() => number) | undefined;
}

/**
 * The cryptography under the shared checks, bound to the two signing keys. Either method may
 * answer synchronously (node:crypto) or with a promise (Web Crypto).
 */
export interface JwtCrypto {
  /**
   * Whether `signature` is the HMAC-SHA256 of `data` (UTF-8) under key 0 (current) or 1 (next).
   * Must compare in constant time.
   */
  verifyHmac(key: 0 | 1, data: string, signature: Uint8Array<ArrayBuffer>): boolean | Promise<boolean>;
  /** The unpadded base64url SHA-256 of `body`'s UTF-8 bytes. */
  sha256Base64url(body: string): string | Promise<string>;
  /**
   * A platform's own base64url decoding, used for tokens in QStash's form only (three unpadded
   * base64url parts of decodable lengths, {@link PLAIN_PART}): `text` decodes to UTF-8 text,
   * `bytes` to bytes. Any other token, or one whose header or payload is not JSON, is read by
   * Hono's reader alone, so both readers accept and refuse the same tokens.
   */
  base64url?: { text(part: string): string; bytes(part: string): Uint8Array<ArrayBuffer> } | undefined;
}

/** A compact JWS taken apart, its header checked. */
interface JwtParts {
  /** `header.payload`: what the signature signs. */
  data: string;
  /** The signature's bytes, or undefined when that part is not base64url. */
  signature: Uint8Array<ArrayBuffer> | undefined;
  /** The decoded payload, or undefined when it is not JSON (reported once the signature verifies, as jose does). */
  payload: unknown;
}

/** Builds the {@link JwtCrypto} for `[currentSigningKey, nextSigningKey]`, once per verifier. */
export type JwtCryptoFactory = (keys: readonly [current: string, next: string]) => JwtCrypto;

type Claims = Record<string, unknown>;

const PADDING = /=+$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
/** A token part as QStash writes it: unpadded base64url. */
const PLAIN_PART = /^[A-Za-z0-9_-]+$/;
/** An unpadded base64url part that decodes (a length of 4n + 1 does not). */
const plain = (part: string | undefined): part is string => part !== undefined && part.length % 4 !== 1 && PLAIN_PART.test(part);

/**
 * The token read by Hono's `decode`, with the header checked by its `isTokenHeader`; a
 * SignatureError in jose's words otherwise. Every verifier built here reads tokens with it.
 */
function readToken(token: string): JwtParts {
  let header: unknown;
  let payload: unknown;
  try {
    ({ header, payload } = decode(token));
  } catch (err) {
    if (token.split(".").length !== 3) throw new SignatureError("Invalid Compact JWS", { cause: err });
    try {
      header = decodeHeader(token);
    } catch {
      throw new SignatureError("JWS Protected Header is invalid", { cause: err });
    }
  }
  if (!isTokenHeader(header) || header.alg !== "HS256") {
    throw new SignatureError(`unsupported JWS header ${JSON.stringify(header)}: QStash signs with {"alg":"HS256","typ":"JWT"}`);
  }
  const dot = token.lastIndexOf(".");
  const mac = token.slice(dot + 1);
  let signature: Uint8Array<ArrayBuffer> | undefined;
  try {
    signature = BASE64URL.test(mac) ? decodeBase64Url(mac) : undefined;
  } catch {
    /* an impossible length: no signature */
  }
  return { data: token.slice(0, dot), signature, payload };
}

/**
 * {@link readToken} with the platform's base64url for a token in QStash's form: the same parts
 * and header check, undefined when the token is in any other form or a part is not JSON.
 */
function readPlainToken(token: string, base64url: NonNullable<JwtCrypto["base64url"]>): JwtParts | undefined {
  const first = token.indexOf(".");
  const dot = token.lastIndexOf(".");
  const [h, p, mac] = [token.slice(0, first), token.slice(first + 1, dot), token.slice(dot + 1)];
  if (first === dot || !plain(h) || !plain(p) || !plain(mac)) return undefined;
  let payload: unknown;
  try {
    // QStash sends one header part for every token: once it has passed, the same text passes.
    if (h !== acceptedHeader) {
      const header: unknown = JSON.parse(base64url.text(h));
      if (!isTokenHeader(header) || header.alg !== "HS256") return undefined;
      acceptedHeader = h;
    }
    payload = JSON.parse(base64url.text(p));
  } catch {
    return undefined;
  }
  return { data: token.slice(0, dot), signature: base64url.bytes(mac), payload };
}

/** The last header part {@link readPlainToken} accepted. */
let acceptedHeader: string | undefined;

/** The claims of a signed payload, after the `iss`, `nbf` and `exp` checks (jose's order and words). */
function checkClaims(payload: unknown, nowSec: number, toleranceSec: number): Claims {
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw new SignatureError("JWT Claims Set must be a top-level JSON object");
  const claims = payload as Claims;
  if (!("iss" in claims)) throw new SignatureError('missing required "iss" claim');
  if (claims.iss !== "Upstash") throw new SignatureError('unexpected "iss" claim value');
  for (const name of ["iat", "nbf", "exp"] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== "number") throw new SignatureError(`"${name}" claim must be a number`);
  }
  if (claims.nbf !== undefined && (claims.nbf as number) > nowSec + toleranceSec) throw new SignatureError('"nbf" claim timestamp check failed');
  if (claims.exp !== undefined && (claims.exp as number) <= nowSec - toleranceSec) throw new SignatureError('"exp" claim timestamp check failed');
  return claims;
}

/**
 * A Verifier running the Receiver's checks on the HMAC and hash of `makeCrypto`. The token is
 * read once for both keys.
 * @example
 * const verifier = createJwtVerifierWith(options, ([current, next]) => myCrypto(current, next));
 */
export function createJwtVerifierWith(options: JwtVerifierOptions, makeCrypto: JwtCryptoFactory): Verifier {
  requireSigningKeys(options);
  const keyed = makeCrypto([options.currentSigningKey, options.nextSigningKey]);
  const tolerance = options.clockToleranceSec ?? 0;
  const now = options.now ?? Date.now;

  /** The claims, if the token is signed with `key` and they pass. */
  const claimsUnder = async (parts: JwtParts, key: 0 | 1, nowSec: number): Promise<Claims> => {
    if (!parts.signature || !(await keyed.verifyHmac(key, parts.data, parts.signature))) throw new SignatureError("signature verification failed");
    return checkClaims(parts.payload, nowSec, tolerance);
  };

  const check = async (token: string, input: VerifyInput): Promise<void> => {
    const parts = (keyed.base64url && readPlainToken(token, keyed.base64url)) || readToken(token);
    const nowSec = Math.floor(now() / 1000);
    let claims: Claims;
    try {
      claims = await claimsUnder(parts, 0, nowSec);
    } catch {
      // As the Receiver: any failure under the current key is retried under the next, whose failure is reported.
      claims = await claimsUnder(parts, 1, nowSec);
    }
    if (claims.sub !== input.url) throw new SignatureError(`invalid subject: ${String(claims.sub)}, want: ${input.url}`);
    if (typeof claims.body !== "string") throw new SignatureError("missing body claim");
    const hash = await keyed.sha256Base64url(input.body);
    if (claims.body.replace(PADDING, "") !== hash) throw new SignatureError(`body hash does not match, want: ${claims.body}, got: ${hash}`);
  };

  return {
    async verify(input: VerifyInput): Promise<void> {
      const signature = input.signature;
      if (!signature) throw new SignatureError(MISSING_SIGNATURE_MESSAGE);
      try {
        await check(signature, input);
      } catch (err) {
        throw refusedSignature(input.url, err, signature, now());
      }
    },
  };
}

const encoder = new TextEncoder();

/** HMAC and SHA-256 on Web Crypto; each key is imported once. */
const webCrypto: JwtCryptoFactory = (keys) => {
  const imported = keys.map((k) => crypto.subtle.importKey("raw", encoder.encode(k), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]));
  return {
    async verifyHmac(key, data, signature) {
      return crypto.subtle.verify("HMAC", await imported[key], signature, encoder.encode(data));
    },
    async sha256Base64url(body) {
      return encodeBase64Url(await crypto.subtle.digest("SHA-256", encoder.encode(body))).replace(PADDING, "");
    },
  };
};

/**
 * A Verifier for `Upstash-Signature` tokens signed with the current or the next key, on Web
 * Crypto only. The URL is checked against the token's `sub`.
 * @example
 * const verifier = createJwtVerifier({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
 * // signature: the request's Upstash-Signature header (null when absent)
 * await verifier.verify({ signature, body: await req.text(), url: req.url });
 */
export function createJwtVerifier(options: JwtVerifierOptions): Verifier {
  return createJwtVerifierWith(options, webCrypto);
}
