import { describe, expect, it } from "vitest";
import { SignatureError } from "../../src/errors.ts";
import { createQStashVerifier } from "../../src/verify/qstash-verifier.ts";
import { signQStashJwt } from "../../src/verify/qstash-jwt.ts";

const CURRENT = "sig_currentKeyForTests00000000";
const NEXT = "sig_nextKeyForTests0000000000000";
const URL_ = "http://127.0.0.1:8787/tasks/main_send_email";
const BODY = '{"v":1,"id":"t1"}';
const now = () => Math.floor(Date.now() / 1000);
const verifier = createQStashVerifier({ currentSigningKey: CURRENT, nextSigningKey: NEXT });

async function rejection(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(SignatureError);
  expect((err as Error).name).toBe("SignatureError");
  return err as Error;
}

describe("createQStashVerifier", () => {
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

  it("rejects an expired token", async () => {
    const signature = await signQStashJwt({ key: CURRENT, url: URL_, body: BODY, nowSec: now() - 301 });
    await rejection(verifier.verify({ signature, body: BODY, url: URL_ }));
  });

  it("tolerates skew within clockToleranceSec", async () => {
    const tolerant = createQStashVerifier({ currentSigningKey: CURRENT, nextSigningKey: NEXT, clockToleranceSec: 60 });
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
    expect(() => createQStashVerifier({ currentSigningKey: CURRENT, nextSigningKey: "" })).toThrow(/QSTASH_NEXT_SIGNING_KEY/);
  });
});
