/**
 * Header-name canonical form as the real (Go) server writes it: `content-type` → `Content-Type`.
 * @module
 */

const cache = new Map<string, string>();

/** Go's `CanonicalMIMEHeaderKey`: upper-case the first letter and every letter after `-`. */
export function canonicalHeaderName(name: string): string {
  let out = cache.get(name);
  if (out !== undefined) return out;
  out = name.toLowerCase().replace(/(^|-)([a-z])/g, (_m, dash: string, ch: string) => dash + ch.toUpperCase());
  if (cache.size < 10_000) cache.set(name, out);
  return out;
}

/** `{Name: [value]}` maps, as QStash's JSON carries headers. */
export function headerMap(headers: Record<string, string>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(headers)) out[k] = [headers[k]];
  return out;
}

/** A response's headers as `{Name: [values]}`. */
export function responseHeaderMap(headers: { forEach(cb: (value: string, key: string) => void): void }): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  headers.forEach((value, key) => {
    (out[canonicalHeaderName(key)] ??= []).push(value);
  });
  return out;
}
