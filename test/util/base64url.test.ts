import { describe, expect, it } from "vitest";
import { base64, base64url } from "../../src/util/base64url.ts";

describe("base64url", () => {
  it("encodes as Node does at every length, padded or not", () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 255);
      const node = Buffer.from(bytes).toString("base64url");
      expect(base64url(bytes), `${n} bytes`).toBe(node);
      expect(base64url(bytes, true), `${n} bytes, padded`).toBe(node.padEnd(Math.ceil(n / 3) * 4, "="));
      expect(base64(bytes), `${n} bytes, standard`).toBe(Buffer.from(bytes).toString("base64"));
    }
  });
});
