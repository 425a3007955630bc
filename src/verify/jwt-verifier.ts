/**
 * `createJwtVerifier`: the checks of the official `Receiver.verify` on Web Crypto alone, for
 * bundles where `@upstash/qstash` and `jose` are too large (the Workers profile). Same checks,
 * same order, same reasons in the error: an HS256 JWS signed with the current key (or else the
 * next one, whose failure is the one reported), `iss` = "Upstash", `nbf`/`exp` within the clock
 * tolerance, then `sub` = the URL and the `body` claim = base64url SHA-256 of the exact body
 * (trailing `=` ignored).
 *
 * The checks are written once in {@link createJwtVerifierWith}; only the HMAC and the hash are
 * plugged in ({@link JwtCrypto}), so a runtime can bring faster ones (Node: `createNodeVerifier`
 * in src/node/node-verifier.ts). `test/verify/qstash-verifier.test.ts` runs one suite against all.
 * @module
 */
import { ConfigError, SignatureError } from "../errors.ts";
import { base64url, base64urlToBinary, fromBase64url, unpadded } from "../util/base64url.ts";
import { MISSING_SIGNATURE_MESSAGE, type Verifier, type VerifyInput } from "./verifier.ts";

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
}

/** Builds the {@link JwtCrypto} for `[currentSigningKey, nextSigningKey]`, once per verifier. */
export type JwtCryptoFactory = (keys: readonly [current: string, next: string]) => JwtCrypto;

type Claims = Record<string, unknown>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const NOT_ASCII = /[^\x00-\x7f]/;

/** The JSON object in a base64url part, or a SignatureError with jose's wording `what`. */
function jsonObject(part: string, what: string): Claims {
  let value: unknown;
  try {
    const binary = base64urlToBinary(part);
    // ASCII (QStash's claims, URLs included) parses as it is; anything else is UTF-8 to decode.
    if (binary !== undefined) value = JSON.parse(NOT_ASCII.test(binary) ? decoder.decode(Uint8Array.from(binary, (c) => c.charCodeAt(0))) : binary);
  } catch {
    /* reported below */
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SignatureError(what);
  return value as Claims;
}

/** The protected header's checks, in jose's order and words. */
function checkHeader(part: string): void {
  const header = jsonObject(part, "JWS Protected Header is invalid");
  if (header.crit !== undefined) throw new SignatureError('Extension Header Parameter "crit" is not supported');
  if (header.alg !== "HS256") throw new SignatureError('"alg" (Algorithm) Header Parameter value not allowed');
}

/** The claims of a signed payload, after the `iss`, `nbf` and `exp` checks (jose's order and words). */
function checkClaims(payload: string, nowSec: number, toleranceSec: number): Claims {
  const claims = jsonObject(payload, "JWT Claims Set must be a top-level JSON object");
  if (!("iss" in claims)) throw new SignatureError('missing required "iss" claim');
  if (claims.iss !== "Upstash") throw new SignatureError('unexpected "iss" claim value');
  for (const name of ["iat", "nbf", "exp"] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== "number") throw new SignatureError(`"${name}" claim must be a number`);
  }
  if (claims.nbf !== undefined && (claims.nbf as number) > nowSec + toleranceSec) throw new SignatureError('"nbf" claim timestamp check failed');
  if (claims.exp !== undefined && (claims.exp as number) <= nowSec - toleranceSec) throw new SignatureError('"exp" claim timestamp check failed');
  return claims;
}

const signatureFailed = () => new SignatureError("signature verification failed");

/**
 * A Verifier running the Receiver's checks on the HMAC and hash of `makeCrypto`. The token is
 * split and decoded once for both keys; a header seen before is not parsed again.
 * @example
 * const verifier = createJwtVerifierWith(options, ([current, next]) => myCrypto(current, next));
 */
export function createJwtVerifierWith(options: JwtVerifierOptions, makeCrypto: JwtCryptoFactory): Verifier {
  const missing = (["currentSigningKey", "nextSigningKey"] as const).filter((k) => !options[k]);
  if (missing.length) {
    throw new ConfigError(`QStash verifier needs ${missing.join(" and ")}: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY (the local broker prints them).`);
  }
  const keyed = makeCrypto([options.currentSigningKey, options.nextSigningKey]);
  const tolerance = options.clockToleranceSec ?? 0;
  const now = options.now ?? Date.now;
  let knownHeader: string | undefined; // the last header that passed: QStash sends the same one every time

  /** The claims of a token signed with either key; the next key's failure is the one reported. */
  const signedClaims = async (token: string, nowSec: number): Promise<Claims> => {
    const first = token.indexOf(".");
    const second = first < 0 ? -1 : token.indexOf(".", first + 1);
    if (second < 0 || token.includes(".", second + 1)) throw new SignatureError("Invalid Compact JWS");
    const header = token.slice(0, first);
    if (header !== knownHeader) {
      checkHeader(header);
      knownHeader = header;
    }
    const signature = fromBase64url(token.slice(second + 1));
    if (!signature) throw new SignatureError("Invalid Compact JWS");
    const data = token.slice(0, second);
    const payload = token.slice(first + 1, second);
    if (await keyed.verifyHmac(0, data, signature)) {
      try {
        return checkClaims(payload, nowSec, tolerance);
      } catch (err) {
        // The Receiver retries any failure with the next key: its signature check decides the reason.
        if (!(await keyed.verifyHmac(1, data, signature))) throw signatureFailed();
        throw err;
      }
    }
    if (!(await keyed.verifyHmac(1, data, signature))) throw signatureFailed();
    return checkClaims(payload, nowSec, tolerance);
  };

  const check = async (signature: string, input: VerifyInput): Promise<void> => {
    const claims = await signedClaims(signature, Math.floor(now() / 1000));
    if (claims.sub !== input.url) throw new SignatureError(`invalid subject: ${String(claims.sub)}, want: ${input.url}`);
    if (typeof claims.body !== "string") throw new SignatureError("missing body claim");
    const hash = await keyed.sha256Base64url(input.body);
    if (unpadded(claims.body) !== hash) throw new SignatureError(`body hash does not match, want: ${claims.body}, got: ${hash}`);
  };

  return {
    async verify(input: VerifyInput): Promise<void> {
      const signature = input.signature;
      if (!signature) throw new SignatureError(MISSING_SIGNATURE_MESSAGE);
      try {
        await check(signature, input);
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

/** HMAC and SHA-256 on Web Crypto; each key is imported once. */
const webCrypto: JwtCryptoFactory = (keys) => {
  const imported = keys.map((k) => crypto.subtle.importKey("raw", encoder.encode(k), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]));
  return {
    async verifyHmac(key, data, signature) {
      return crypto.subtle.verify("HMAC", await imported[key], signature, encoder.encode(data));
    },
    async sha256Base64url(body) {
      return base64url(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(body))));
    },
  };
};

/**
 * A Verifier for `Upstash-Signature` tokens signed with the current or the next key, on Web
 * Crypto only. The URL is checked against the token's `sub`.
 * @example
 * const verifier = createJwtVerifier({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
 * await verifier.verify({ signature: req.headers.get("Upstash-Signature"), body: await req.text(), url: req.url });
 */
export function createJwtVerifier(options: JwtVerifierOptions): Verifier {
  return createJwtVerifierWith(options, webCrypto);
}
