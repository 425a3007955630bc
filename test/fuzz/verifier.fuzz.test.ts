/**
 * Fuzzing the signature verifiers (the Web Crypto `createJwtVerifier`, the node:crypto
 * `createNodeVerifier`, and `createQStashVerifier` on the official `Receiver`): genuine tokens,
 * tokens cut short, with a character changed, re-signed with another key, for another URL or body,
 * expired, not yet valid, with `alg: none`, with payloads of the wrong types, and plain garbage.
 * Each verifier accepts exactly the tokens it should, refuses everything else with a
 * `SignatureError` (never another error), and the three agree on every token.
 */
import { createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createNodeVerifier } from "../../src/adapters/node.ts";
import { createJwtVerifier } from "../../src/verify/jwt-verifier.ts";
import { qstashBodyHash, QStashSigner } from "../../src/verify/qstash-jwt.ts";
import { createQStashVerifier } from "../../src/verify/qstash-verifier.ts";
import { TEST_SIGNING_KEYS } from "../../src/testing/index.ts";
import { headerValue, hostileString, hostileValue, NUM_RUNS } from "./hostile.ts";

const keys = { currentSigningKey: TEST_SIGNING_KEYS.current, nextSigningKey: TEST_SIGNING_KEYS.next };
const verifiers = { web: createJwtVerifier(keys), node: createNodeVerifier(keys), official: createQStashVerifier(keys) };
const URL_ = "https://worker.test/tasks/fz_any";

const b64 = (s: string | Buffer) => Buffer.from(s).toString("base64url");
const hs256 = (key: string, input: string) => createHmac("sha256", key).update(input).digest("base64url");
/** A token with any header and payload, signed with `key`. */
const forge = (header: unknown, payload: unknown, key: string) => {
  const input = `${b64(JSON.stringify(header) ?? "null")}.${b64(JSON.stringify(payload) ?? "null")}`;
  return `${input}.${hs256(key, input)}`;
};

type Token = { token: string | null; body: string; genuine: boolean; label: string };

const nowSec = () => Math.floor(Date.now() / 1000);
const body = fc.oneof(fc.string({ maxLength: 200 }), fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), hostileString.map((s) => s.slice(0, 5000)));

const token: fc.Arbitrary<Promise<Token>> = fc
  .record({
    body,
    kind: fc.constantFrom("genuine", "next-key", "truncated", "flipped", "other-key", "other-url", "other-body", "expired", "not-yet", "alg-none", "wrong-types", "garbage", "missing", "extra-segment"),
    cut: fc.nat(),
    char: fc.constantFrom("A", "B", "-", "_", "0", "=", ".", " "),
    wrong: fc.dictionary(fc.constantFrom("iss", "sub", "exp", "nbf", "iat", "jti", "body"), hostileValue, { minKeys: 1, maxKeys: 3 }),
    garbage: fc.oneof(headerValue, hostileString.map((s) => s.slice(0, 500))),
  })
  .map(async ({ body, kind, cut, char, wrong, garbage }): Promise<Token> => {
    const sign = (key: string, url = URL_, b = body, at = Date.now() / 1000) => qstashBodyHash(b).then((bodyHash) => new QStashSigner(key).sign({ url, bodyHash, nowSec: at }));
    const genuine = await sign(TEST_SIGNING_KEYS.current);
    const claims = async (over: Record<string, unknown> = {}) => ({ iss: "Upstash", sub: URL_, exp: nowSec() + 300, nbf: 0, iat: nowSec(), jti: "jwt_x", body: await qstashBodyHash(body), ...over });
    switch (kind) {
      case "genuine":
        return { token: genuine, body, genuine: true, label: kind };
      case "next-key":
        return { token: await sign(TEST_SIGNING_KEYS.next), body, genuine: true, label: kind };
      case "truncated":
        return { token: genuine.slice(0, cut % genuine.length), body, genuine: false, label: kind };
      case "flipped": {
        const at = cut % genuine.length;
        const changed = genuine.slice(0, at) + char + genuine.slice(at + 1);
        return { token: changed, body, genuine: changed === genuine, label: `${kind}@${at}` };
      }
      case "other-key":
        return { token: await sign("sig_someoneelse0000000000000000"), body, genuine: false, label: kind };
      case "other-url":
        return { token: await sign(TEST_SIGNING_KEYS.current, `${URL_}x`), body, genuine: false, label: kind };
      case "other-body":
        return { token: await sign(TEST_SIGNING_KEYS.current, URL_, `${body}x`), body, genuine: false, label: kind };
      case "expired":
        return { token: await sign(TEST_SIGNING_KEYS.current, URL_, body, Date.now() / 1000 - 301 - (cut % 100_000)), body, genuine: false, label: kind };
      case "not-yet":
        return { token: forge({ alg: "HS256", typ: "JWT" }, await claims({ nbf: nowSec() + 60 + (cut % 1000) }), TEST_SIGNING_KEYS.current), body, genuine: false, label: kind };
      case "alg-none": {
        const t = forge({ alg: "none", typ: "JWT" }, await claims(), TEST_SIGNING_KEYS.current);
        return { token: `${t.slice(0, t.lastIndexOf("."))}.`, body, genuine: false, label: kind };
      }
      case "wrong-types":
        // Correctly signed, but claims of the wrong type or value: only a token whose claims are all still right passes.
        return { token: forge({ alg: "HS256", typ: "JWT" }, await claims(wrong), TEST_SIGNING_KEYS.current), body, genuine: false, label: `${kind} ${JSON.stringify(wrong).slice(0, 200)}` };
      case "garbage":
        return { token: garbage, body, genuine: false, label: kind };
      case "missing":
        return { token: null, body, genuine: false, label: kind };
      case "extra-segment":
        return { token: `${genuine}.${b64("x")}`, body, genuine: false, label: kind };
    }
    throw new Error(kind);
  });

async function outcome(v: (typeof verifiers)[keyof typeof verifiers], t: Token): Promise<string> {
  try {
    await v.verify({ signature: t.token, body: t.body, url: URL_ });
    return "accepted";
  } catch (error) {
    expect((error as Error).name, `${t.label}: ${(error as Error).message}`).toBe("SignatureError");
    expect((error as Error).message.length).toBeGreaterThan(10);
    return "refused";
  }
}

describe("the signature verifiers under fuzzing", { timeout: 300_000 }, () => {
  it(`accept genuine tokens, refuse forged ones with a SignatureError, and agree with the official Receiver (${NUM_RUNS} tokens)`, async () => {
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(token, async (pending) => {
        const t = await pending;
        const results = { web: await outcome(verifiers.web, t), node: await outcome(verifiers.node, t), official: await outcome(verifiers.official, t) };
        const what = `${t.label}: ${String(t.token).slice(0, 200)}`;
        expect(results.web, what).toBe(results.official);
        expect(results.node, what).toBe(results.official);
        // A changed character may fall in the signature's unused base64 bits, and a wrong-typed claim may still be valid:
        // those the official Receiver decides. Everything else is known.
        if (!t.label.startsWith("flipped") && !t.label.startsWith("wrong-types")) expect(results.official, what).toBe(t.genuine ? "accepted" : "refused");
        seen.add(`${t.label.split(/[@ ]/)[0]}:${results.official}`);
      }),
      { numRuns: NUM_RUNS },
    );
    expect(seen).toContain("genuine:accepted");
    expect(seen).toContain("truncated:refused");
    expect(seen).toContain("alg-none:refused");
  });
});
