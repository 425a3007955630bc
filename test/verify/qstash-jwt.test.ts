import { Receiver } from "@upstash/qstash";
import { describe, expect, it } from "vitest";
import { QStashSigner, qstashBodyHash, signQStashJwt } from "../../src/verify/qstash-jwt.ts";

const DEV_CURRENT = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
const DEV_NEXT = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";
const VECTOR =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJVcHN0YXNoIiwic3ViIjoiaHR0cDovL2xvY2FsaG9zdDozMDAwL2FwaS93ZWJob29rIiwiZXhwIjoxNzAwMDAwMzAwLCJuYmYiOjE3MDAwMDAwMDAsImlhdCI6MTcwMDAwMDAwMCwianRpIjoiand0X3Rlc3R2ZWN0b3IwMDAwMDAwMDAwMDAxIiwiYm9keSI6Ims2STVjYWtVNWVyTDhLalNVVlROb3duRHdjY3Z1NWtVMUh4Zzg4dG9GWWc9In0.18alAvIYBSf55WrMeDEr79jCAIbiahWvDMwEmgSOeiM";

describe("signQStashJwt", () => {
  it("reproduces the QStash reference token byte for byte", async () => {
    const token = await signQStashJwt({
      key: DEV_CURRENT,
      url: "http://localhost:3000/api/webhook",
      body: '{"hello":"world"}',
      nowSec: 1700000000,
      notBeforeSec: 1700000000,
      jti: "jwt_testvector0000000000001",
    });
    expect(token).toBe(VECTOR);
  });

  it("hashes the body like QStash, padded, including the empty body", async () => {
    expect(await qstashBodyHash('{"hello":"world"}')).toBe("k6I5cakU5erL8KjSUVTNownDwccvu5kU1Hxg88toFYg=");
    expect(await qstashBodyHash("")).toBe("47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU=");
  });

  it("produces live tokens the official Receiver accepts, with nbf 0 and a query string in the url", async () => {
    const url = "http://127.0.0.1:3000/tasks/x?a=1&b=2";
    const token = await signQStashJwt({ key: DEV_NEXT, url, body: "payload ü", nowSec: Date.now() / 1000 });
    const payload = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
    expect(payload).toMatchObject({ iss: "Upstash", sub: url, nbf: 0 });
    expect(payload.exp - payload.iat).toBe(300);
    expect(payload.jti).toMatch(/^jwt_/);
    const receiver = new Receiver({ currentSigningKey: DEV_CURRENT, nextSigningKey: DEV_NEXT, devMode: false });
    await expect(receiver.verify({ signature: token, body: "payload ü", url })).resolves.toBe(true);
  });

  it("signs many tokens with one cached key, each with its own jti", async () => {
    const signer = new QStashSigner(DEV_CURRENT);
    const bodyHash = await qstashBodyHash("x");
    const [a, b] = await Promise.all([1, 2].map(() => signer.sign({ url: "http://h/x", bodyHash, nowSec: 1 })));
    expect(a).not.toBe(b);
  });
});

describe("createNodeSigner", () => {
  it("produces the same token bytes as the Web Crypto signer", async () => {
    const { createNodeSigner } = await import("../../src/node/broker/signer.ts");
    const node = createNodeSigner(DEV_CURRENT);
    const web = new QStashSigner(DEV_CURRENT);
    const body = new TextEncoder().encode('{"hello":"world"}');
    expect(node.bodyHash(body)).toBe(await web.bodyHash(body));
    const claims = { url: "http://localhost:3000/api/webhook", bodyHash: await web.bodyHash(body), nowSec: 1700000000, notBeforeSec: 1700000000, jti: "jwt_testvector0000000000001" };
    expect(node.sign(claims)).toBe(VECTOR);
    expect(await web.sign(claims)).toBe(VECTOR);
  });
});
