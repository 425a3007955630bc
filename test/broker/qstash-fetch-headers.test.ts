/**
 * `publishHeaders` builds a plain record, not `Headers` objects, yet must hold exactly what the
 * `Headers`-based construction of the official client holds: names lower-cased, values trimmed,
 * names differing only in case joined, non-`Upstash-*` names forwarded, refusals where `Headers`
 * refuses. The reference below is that construction, written with `Headers`.
 */
import { describe, expect, it } from "vitest";
import type { PublishRequest } from "../../src/broker/broker.ts";
import { publishHeaders } from "../../src/broker/qstash-fetch.ts";

function withHeaders(request: PublishRequest): Record<string, string> {
  const merged = new Headers({ "Content-Type": "application/json", ...request.headers });
  const out = new Headers();
  merged.forEach((value, name) => out.set(name.startsWith("content-type") || name.startsWith("upstash-") ? name : `Upstash-Forward-${name}`, value));
  out.set("Upstash-Method", "POST");
  if (request.deduplicationId !== undefined) out.set("Upstash-Deduplication-Id", request.deduplicationId);
  if (request.label !== undefined) out.set("Upstash-Label", request.label);
  return Object.fromEntries(out);
}

const cases: [string, PublishRequest][] = [
  ["no headers", { url: "https://h/t", body: "{}" }],
  ["padded values", { url: "https://h/t", body: "{}", headers: { "X-Pad": " \t padded \r\n", "X-Empty": "   " }, label: "  lbl " }],
  ["names differing only in case", { url: "https://h/t", body: "{}", headers: { "X-Twice": "1", "x-twice": "2", "X-TWICE": "3" } }],
  ["a content type of the caller's, in the same case and in another", { url: "https://h/t", body: "{}", headers: { "content-type": "text/plain" } }],
  ["a content type replacing the default", { url: "https://h/t", body: "{}", headers: { "Content-Type": "text/csv" } }],
  ["Upstash-* names kept, others forwarded", { url: "https://h/t", body: "{}", headers: { "Upstash-Callback": "https://cb", "upstash-forward-x": "pre", Authorization: "Bearer user" } }],
  ["a name and the forwarded form of another", { url: "https://h/t", body: "{}", headers: { x: "plain", "Upstash-Forward-X": "already" } }],
  ["Latin-1 values", { url: "https://h/t", body: "{}", headers: { "X-Latin": "café ÿ" }, deduplicationId: "id-1" }],
];

describe("publishHeaders", () => {
  for (const [what, request] of cases) {
    it(`holds what Headers holds: ${what}`, () => {
      expect(publishHeaders(request)).toEqual(withHeaders(request));
    });
  }

  it("refuses what Headers refuses, naming the header", () => {
    const refused: [PublishRequest, RegExp][] = [
      [{ url: "u", body: "", headers: { "X Bad": "1" } }, /"X Bad" is not a valid header name/],
      [{ url: "u", body: "", headers: { "": "1" } }, /"" is not a valid header name/],
      [{ url: "u", body: "", headers: { "X-Nul": "a\0b" } }, /header X-Nul holds/],
      [{ url: "u", body: "", headers: { "X-Split": "a\r\nInjected: yes" } }, /header X-Split holds a line break/],
      [{ url: "u", body: "", headers: { "X-Wide": "€" } }, /header X-Wide holds .* above U\+00FF/],
      [{ url: "u", body: "", deduplicationId: "a\nb" }, /header Upstash-Deduplication-Id holds a line break/],
    ];
    for (const [request, message] of refused) {
      expect(() => withHeaders(request)).toThrow(TypeError);
      expect(() => publishHeaders(request)).toThrow(message);
    }
  });
});
