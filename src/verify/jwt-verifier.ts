/**
 * `createJwtVerifier`: the checks of the official `Receiver.verify` on Web Crypto alone, for
 * bundles where `@upstash/qstash` and `jose` are too large (the Workers profile). Same checks,
 * same order, same reasons in the error: an HS256 JWS signed with the current key (or else the
 * next one, whose failure is the one reported), `iss` = "Upstash", `nbf`/`exp` within the clock
 * tolerance, then `sub` = the URL and the `body` claim = base64url SHA-256 of the exact body
 * (trailing `=` ignored). `test/verify/qstash-verifier.test.ts` runs one suite against both.
 * @module
 */
import { ConfigError, SignatureError } from "../errors.ts";
import { base64url } from "./base64url.ts";
import { MISSING_SIGNATURE_MESSAGE, type Verifier, type VerifyInput } from "./verifier.ts";

/** Options of {@link createJwtVerifier}. */
export interface JwtVerifierOptions {
  /** `QSTASH_CURRENT_SIGNING_KEY` (`sig_…`). */
  currentSigningKey: string;
  /** `QSTASH_NEXT_SIGNING_KEY` (`sig_…`), accepted too so key rotation never drops deliveries. */
  nextSigningKey: string;
  /** Seconds of clock skew tolerated on `exp`/`nbf`. Default 0 (as the official Receiver). */
  clockToleranceSec?: number;
  /** The current time in epoch ms. Default `Date.now`. */
  now?: () => number;
}

const encoder = new TextEncoder();

/** Bytes of base64url text (padding optional); throws on anything else. */
function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) throw new SignatureError("Invalid Compact JWS");
  const bin = atob(text.replace(/=+$/, "").replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function json(part: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(fromBase64url(part)));
  } catch {
    /* reported below */
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new SignatureError(what);
  return value as Record<string, unknown>;
}

/** Verify `token` with one key; resolves its claims or throws with jose's wording. */
async function verifyWithKey(token: string, key: Promise<CryptoKey>, nowSec: number, tolerance: number): Promise<Record<string, unknown>> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new SignatureError("Invalid Compact JWS");
  const header = json(parts[0], "JWS Protected Header is invalid");
  if (header.crit !== undefined) throw new SignatureError('Extension Header Parameter "crit" is not supported');
  if (header.alg !== "HS256") throw new SignatureError('"alg" (Algorithm) Header Parameter value not allowed');
  const ok = await crypto.subtle.verify("HMAC", await key, fromBase64url(parts[2]), encoder.encode(`${parts[0]}.${parts[1]}`));
  if (!ok) throw new SignatureError("signature verification failed");
  const claims = json(parts[1], "JWT Claims Set must be a top-level JSON object");
  if (!("iss" in claims)) throw new SignatureError('missing required "iss" claim');
  if (claims.iss !== "Upstash") throw new SignatureError('unexpected "iss" claim value');
  for (const name of ["iat", "nbf", "exp"] as const) {
    if (claims[name] !== undefined && typeof claims[name] !== "number") throw new SignatureError(`"${name}" claim must be a number`);
  }
  if (claims.nbf !== undefined && (claims.nbf as number) > nowSec + tolerance) throw new SignatureError('"nbf" claim timestamp check failed');
  if (claims.exp !== undefined && (claims.exp as number) <= nowSec - tolerance) throw new SignatureError('"exp" claim timestamp check failed');
  return claims;
}

/**
 * A Verifier for `Upstash-Signature` tokens signed with the current or the next key, on Web
 * Crypto only. The URL is checked against the token's `sub`.
 * @example
 * const verifier = createJwtVerifier({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
 * await verifier.verify({ signature: req.headers.get("Upstash-Signature"), body: await req.text(), url: req.url });
 */
export function createJwtVerifier(options: JwtVerifierOptions): Verifier {
  const missing = (["currentSigningKey", "nextSigningKey"] as const).filter((k) => !options[k]);
  if (missing.length) {
    throw new ConfigError(`QStash verifier needs ${missing.join(" and ")}: set QSTASH_CURRENT_SIGNING_KEY and QSTASH_NEXT_SIGNING_KEY (the local broker prints them).`);
  }
  const importKey = (k: string) => crypto.subtle.importKey("raw", encoder.encode(k), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  const keys = [importKey(options.currentSigningKey), importKey(options.nextSigningKey)];
  const tolerance = options.clockToleranceSec ?? 0;
  const now = options.now ?? Date.now;

  const check = async (input: VerifyInput & { signature: string }): Promise<void> => {
    const nowSec = Math.floor(now() / 1000);
    let claims: Record<string, unknown>;
    try {
      claims = await verifyWithKey(input.signature, keys[0], nowSec, tolerance);
    } catch {
      claims = await verifyWithKey(input.signature, keys[1], nowSec, tolerance);
    }
    if (claims.sub !== input.url) throw new SignatureError(`invalid subject: ${String(claims.sub)}, want: ${input.url}`);
    if (typeof claims.body !== "string") throw new SignatureError("missing body claim");
    const digest = await crypto.subtle.digest("SHA-256", encoder.encode(input.body));
    const hash = base64url(new Uint8Array(digest));
    if (claims.body.replace(/=+$/, "") !== hash) throw new SignatureError(`body hash does not match, want: ${claims.body}, got: ${hash}`);
  };

  return {
    async verify(input: VerifyInput): Promise<void> {
      if (!input.signature) throw new SignatureError(MISSING_SIGNATURE_MESSAGE);
      try {
        await check({ ...input, signature: input.signature });
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
