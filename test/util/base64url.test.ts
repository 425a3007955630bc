import { describe, expect, it } from "vitest";
import { base64url, fromBase64url } from "../../src/util/base64url.ts";

describe("fromBase64url", () => {
  it("decodes what base64url encodes, padded or not, at every length", () => {
    for (let n = 0; n <= 40; n++) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 97 + n * 31) & 255);
      expect(fromBase64url(base64url(bytes)), `${n} bytes`).toEqual(bytes);
      expect(fromBase64url(base64url(bytes, true)), `${n} bytes, padded`).toEqual(bytes);
      expect(fromBase64url(base64url(bytes)), `${n} bytes, as Node`).toEqual(new Uint8Array(Buffer.from(base64url(bytes), "base64url")));
    }
  });

  it("refuses characters outside the alphabet and impossible lengths", () => {
    for (const text of ["ab+c", "ab/c", "ab c", "abé", "abcde", "a===", "=abc", "ab=c"]) expect(fromBase64url(text), text).toBeUndefined();
  });
});
