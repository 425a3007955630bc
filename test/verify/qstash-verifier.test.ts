/**
 * One verifier suite, run against every implementation: `createQStashVerifier` (the official
 * Receiver, with jose), `createJwtVerifier` (Web Crypto only, the Workers default) and
 * `createNodeVerifier` (node:crypto). All must accept and refuse the same tokens with the same reasons.
 */
import { describe, expect, it } from "vitest";
import { SignatureError } from "../../src/errors.ts";
import { createNodeVerifier } from "../../src/adapters/node.ts";
import { createJwtVerifier } from "../../src/verify/jwt-verifier.ts";
import { createQStashVerifier } from "../../src/verify/qstash-verifier.ts";
import { signQStashJwt } from "../../src/verify/qstash-jwt.ts";
import type { Verifier } from "../../src/verify/verifier.ts";

const CURRENT = "sig_currentKeyForTests00000000";
const NEXT = "sig_nextKeyForTests0000000000000";
const URL_ = "http://127.0.0.1:8787/tasks/main_send_email";
const BODY = '{"v":1,"id":"t1"}';
const now = () => Math.floor(Date.now() / 1000);

type MakeVerifier = (o: { currentSigningKey: string; nextSigningKey: string; clockToleranceSec?: number }) => Verifier;
const implementations: [string, MakeVerifier][] = [
  ["createQStashVerifier (official Receiver)", createQStashVerifier],
  ["createJwtVerifier (Web Crypto)", createJwtVerifier],
  ["createNodeVerifier (node:crypto)", createNodeVerifier],
];

/** The QStash reference token (shared/reference/qstash-api.md §4.3), issued at 1700000000 with the public dev keys. */
const VECTOR = {
  current: "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r",
  next: "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs",
  url: "http://localhost:3000/api/webhook",
  body: '{"hello":"world"}',
  token:
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cDovL2xvY2FsaG9zdDozMDAwL2FwaS93ZWJob29rIiwiZXhwIjoxNzAwMDAwMzAwLCJuYmYiOjE3MDAwMDAwMDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiand0X3Rlc3R2ZWN0b3IwMDAwMDAwMDAwMDAxIiwiYm9keSI6Ims2STVjYWtVNWVyTDhLalNVVlROb3duRHdjY3Z1NWtVMUh4Zzg4dG9GWWc9In0.18alAvIYBSf55WrMeDEr79jCAIbiahWvDMwEmgSOeiM",
};

/** The claims of a live token for BODY at URL_, as QStash sends them. */
function liveClaims(): Record<string, unknown> {
  const bodyHash = "Oz1noEzIR1GcNmBiIMrLNJt1biDQY3p_zYIHdW-6z0E="; // padded base64url SHA-256 of BODY
  return { iss: "Upstash", sub: URL_, exp: now() + 300, nbf: 0, iat: now(), jti: "jwt_x", body: bodyHash };
}

/** `token` with its header replaced by `header` (payload and signature kept). */
function withHeader(token: string, header: Record<string, unknown>): string {
  return [Buffer.from(JSON.stringify(header)).toString("base64url"), ...token.split(".").slice(1)].join(".");
}

/** A token with hand-made claims (for iss / body / nbf cases the signer never produces); a string is signed as the payload text. */
async function customToken(key: string, claims: Record<string, unknown> | string): Promise<string> {
  const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
  const payload = typeof claims === "string" ? claims : JSON.stringify(claims);
  const input = `${b64(new TextEncoder().encode(JSON.stringify({ alg: "HS256", typ: "JWT" })))}.${b64(new TextEncoder().encode(payload))}`;
  const k = await crypto.subtle.importKey("raw", new TextEncoder().encode(key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return `${input}.${b64(new Uint8Array(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(input))))}`;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SignatureError);
  expect((err as Error).name).toBe("SignatureError");
  return err as Error;
}

for (const [name, make] of implementations) describe(name, () => {
  const verifier = make({ currentSigningKey: CURRENT, nextSigningKey: NEXT });
  it("accepts a token signed with the current key", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() });
    await expect(verifier.verify({ signature, body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("accepts a token signed with the next key (rotation)", async () => {
    const signature = await signQStashJwt({ key: NEXT, url: URL_, body: BODY, nowSec: now() });
    await expect(verifier.verify({ signature, body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("rejects a missing header with a message that says where requests must come from", async () => {
    const err = await rejection(verifier.verify({ signature: null, body: BODY, url: URL_ }));
    expect(err.message).toBe("missing Upstash-Signature header: requests to /tasks/* must come from the broker");
  });

  it("rejects a tampered body", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() });
    const err = await rejection(verifier.verify({ signature, body: BODY.replace("t1", "t2"), url: URL_ }));
    expect(err.message).toMatch(/body hash does not match/);
  });

  it("rejects a token signed with an unknown key", async () => {
    const signature = await signQStashJwt({ key: "sig_someoneElse", url: URL_, body: BODY, nowSec: now() });
    const err = await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
    expect(err.message).toMatch(/signature verification failed/);
  });

  it("rejects an expired token, saying a clock may be off (a worker clock 5 min ahead of the broker's)", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() - 301 });
    const err = await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
    expect(err.message).toMatch(/Its exp, .*, is past by this machine's clock: if the broker just sent it, a clock is off \(QStash tokens expire 5 minutes after signing\)/);
  });

  it("names no clock when the token is fresh but wrong", async () => {
    const signature = await signQStashJwt({ key: "sig_someoneElse", url: URL_, body: BODY, nowSec: now() });
    expect((await rejection(verifier.verify({ signature, body: BODY, url: URL_ }))).message).not.toMatch(/clock/);
  });

  it("tolerates skew within clockToleranceSec", async () => {
    const tolerant = make({ currentSigningKey: CURRENT, nextSigningKey: NEXT, clockToleranceSec: 60 });
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() - 330 });
    await expect(tolerant.verify({ signature, body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("rejects a token issued for another URL", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: `${URL_}/other`, body: BODY, nowSec: now() });
    const err = await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
    expect(err.message).toMatch(/invalid subject/);
  });

  it("rejects garbage instead of crashing", async () => {
    await rejection(verifier.verify({ signature: "not-a-jwt", body: BODY, url: URL_ }));
  });

  it("refuses to build without both keys", () => {
    expect(() => make({ currentSigningKey: CURRENT, nextSigningKey: "" })).toThrow(/QSTASH_NEXT_SIGNING_KEY/);
  });

  it("accepts the QStash reference token only within a clock tolerance that covers its age", async () => {
    const input = { signature: VECTOR.token, body: VECTOR.body, url: VECTOR.url };
    const ageSec = now() - 1_700_000_300;
    await expect(make({ currentSigningKey: VECTOR.current, nextSigningKey: VECTOR.next, clockToleranceSec: ageSec + 60 }).verify(input)).resolves.toBeUndefined();
    // Without tolerance it expired long ago; the reported reason is the next key's (signature), as the Receiver reports it.
    const err = await rejection(make({ currentSigningKey: VECTOR.current, nextSigningKey: VECTOR.next }).verify(input));
    expect(err.message).toMatch(/signature verification failed/);
  });

  it("accepts an unpadded body claim and a URL with a query string", async () => {
    const url = `${URL_}?a=1&b=2`;
    const bodyHash = Buffer.from(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(BODY))).toString("base64url");
    const signature = await customToken(CURRENT, { iss: "Upstash", sub: url, exp: now() + 300, nbf: 0, iat: now(), jti: "jwt_x", body: bodyHash });
    await expect(verifier.verify({ signature, body: BODY, url })).resolves.toBeUndefined();
  });

  it("accepts a token whose claims hold non-ASCII text, compared as UTF-8", async () => {
    const url = `${URL_}/café?q=ü`;
    const signature = await customToken(CURRENT, { ...liveClaims(), sub: url, jti: "jwt_ß→✓" });
    await expect(verifier.verify({ signature, body: BODY, url })).resolves.toBeUndefined();
    expect((await rejection(verifier.verify({ signature, body: BODY, url: `${URL_}/cafe?q=u` }))).message).toMatch(/invalid subject: .*café\?q=ü/);
  });

  it("accepts a hand-made token with QStash's claims (the fixture the next cases alter)", async () => {
    await expect(verifier.verify({ signature: await customToken(CURRENT, liveClaims()), body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("rejects a token from another issuer (iss is case-sensitive)", async () => {
    const signature = await customToken(CURRENT, { ...liveClaims(), iss: "upstash" });
    const err = await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
    expect(err.message).toMatch(/signature verification failed/);
    const onlyKey = make({ currentSigningKey: CURRENT, nextSigningKey: CURRENT });
    expect((await rejection(onlyKey.verify({ signature, body: BODY, url: URL_ }))).message).toMatch(/unexpected "iss" claim value/);
  });

  it("rejects a token not yet valid, unless within clockToleranceSec", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now(), notBeforeSec: now() + 60 });
    await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
    await expect(make({ currentSigningKey: CURRENT, nextSigningKey: NEXT, clockToleranceSec: 120 }).verify({ signature, body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("checks every token's header, also after accepting one with the usual header", async () => {
    const good = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() });
    await expect(verifier.verify({ signature: good, body: BODY, url: URL_ })).resolves.toBeUndefined();
    for (const header of [{ alg: "none", typ: "JWT" }, { alg: "HS512", typ: "JWT" }, { alg: "HS256", crit: ["exp"] }]) {
      await rejection(verifier.verify({ signature: withHeader(good, header), body: BODY, url: URL_ }));
    }
    await expect(verifier.verify({ signature: good, body: BODY, url: URL_ })).resolves.toBeUndefined();
  });

  it("rejects a forged, cut or mangled signature part", async () => {
    const good = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() });
    const head = good.slice(0, good.lastIndexOf(".") + 1);
    const mac = good.slice(head.length);
    const flipped = `${mac.slice(0, 10)}${mac[10] === "A" ? "B" : "A"}${mac.slice(11)}`;
    for (const part of [flipped, mac.slice(0, 42), mac.slice(0, 41), `${mac}AAAA`, `${mac.slice(0, 42)}!`, ""]) {
      const err = await rejection(verifier.verify({ signature: head + part, body: BODY, url: URL_ }));
      expect(err.message).toMatch(/signature verification failed|Invalid Compact JWS/);
    }
  });

  it("rejects a token without a body claim as a SignatureError", async () => {
    const { body: _omitted, ...claims } = liveClaims();
    const signature = await customToken(CURRENT, claims);
    await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
  });
});

describe("every verifier", () => {
  const [[, makeOfficial], ...others] = implementations;
  /** Each other implementation refuses each input with the official Receiver's message. */
  async function sameMessages(keys: { currentSigningKey: string; nextSigningKey: string }, cases: Record<string, Parameters<Verifier["verify"]>[0]>) {
    const official = makeOfficial(keys);
    for (const [name, make] of others) {
      const verifier = make(keys);
      for (const [what, input] of Object.entries(cases)) {
        const want = await rejection(official.verify(input));
        const got = await rejection(verifier.verify(input));
        expect(got.message, `${name}: ${what}`).toBe(want.message);
      }
    }
  }
  const signed = (o: Partial<Parameters<typeof signQStashJwt>[0]>) => signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now(), ...o });

  it("refuse each bad delivery with the official Receiver's message", async () => {
    const good = await signed({});
    await sameMessages({ currentSigningKey: CURRENT, nextSigningKey: NEXT }, {
      missing: { signature: null, body: BODY, url: URL_ },
      tampered: { signature: good, body: `${BODY} `, url: URL_ },
      "wrong key": { signature: await signed({ key: "sig_other" }), body: BODY, url: URL_ },
      // Signed with the current key but expired: the next key's failure (signature) is what all report.
      expired: { signature: await signed({ nowSec: now() - 400 }), body: BODY, url: URL_ },
      "wrong url": { signature: await signed({ url: `${URL_}/` }), body: BODY, url: URL_ },
      "not yet valid": { signature: await signed({ notBeforeSec: now() + 60 }), body: BODY, url: URL_ },
      garbage: { signature: "not-a-jwt", body: BODY, url: URL_ },
      "four parts": { signature: `${good}.x`, body: BODY, url: URL_ },
      "header not json": { signature: `e30x${good}`, body: BODY, url: URL_ },
    });
  });

  it("with the same key twice, report claim failures in jose's words", async () => {
    await sameMessages({ currentSigningKey: CURRENT, nextSigningKey: CURRENT }, {
      expired: { signature: await signed({ nowSec: now() - 400 }), body: BODY, url: URL_ },
      "not yet valid": { signature: await signed({ notBeforeSec: now() + 60 }), body: BODY, url: URL_ },
      issuer: { signature: await customToken(CURRENT, { ...liveClaims(), iss: "upstash" }), body: BODY, url: URL_ },
      "no issuer": { signature: await customToken(CURRENT, { ...liveClaims(), iss: undefined }), body: BODY, url: URL_ },
      "exp not a number": { signature: await customToken(CURRENT, { ...liveClaims(), exp: "soon" }), body: BODY, url: URL_ },
      "claims not JSON": { signature: await customToken(CURRENT, "not json"), body: BODY, url: URL_ },
      "claims not an object": { signature: await customToken(CURRENT, "[1]"), body: BODY, url: URL_ },
    });
  });
});

describe("the Node verifier's own base64url reading (tokens in QStash's form)", () => {
  it("accepts and refuses every altered token as the Web Crypto verifier (Hono's reader alone) does, with the same message", async () => {
    const fc = await import("fast-check");
    const keys = { currentSigningKey: CURRENT, nextSigningKey: NEXT };
    const node = createNodeVerifier(keys);
    const web = createJwtVerifier(keys);
    const good = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() });
    const outcome = (p: Promise<unknown>) => p.then(() => "accepted", (e: Error) => `${e.name}: ${e.message}`);
    const edit = fc.record({
      // Anywhere, and often at a part's ends, where padding and odd lengths change what decodes.
      at: fc.oneof(fc.nat({ max: good.length }), fc.constantFrom(0, good.indexOf("."), good.lastIndexOf("."), good.length).chain((i) => fc.integer({ min: Math.max(0, i - 2), max: Math.min(good.length, i + 2) }))),
      cut: fc.nat({ max: 3 }),
      insert: fc.array(fc.constantFrom("A", "z", "0", "-", "_", "=", ".", " ", "+", "/", "\u00e9"), { maxLength: 3 }).map((cs) => cs.join("")),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { maxLength: 3 }), async (edits) => {
        let token = good;
        for (const e of edits) token = token.slice(0, e.at) + e.insert + token.slice(e.at + e.cut);
        const input = { signature: token, body: BODY, url: URL_ };
        expect(await outcome(node.verify(input)), token).toBe(await outcome(web.verify(input)));
      }),
      { numRuns: 2000 },
    );
  });
});
