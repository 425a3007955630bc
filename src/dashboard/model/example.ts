/**
 * An example value for a JSON Schema (what `GET /api/tasks` gives for each task's input), to
 * prefill the send form: the schema's own `examples`, `default` or `const` first, else the
 * smallest value its type and bounds allow, with every required property (and every property
 * that has a default or an example) filled in.
 * @module
 */

type Schema = Record<string, unknown>;

const FORMATS: Record<string, string> = {
  email: "user@example.com",
  uri: "https://example.com",
  url: "https://example.com",
  uuid: "00000000-0000-4000-8000-000000000000",
  "date-time": "2030-01-01T00:00:00Z",
  date: "2030-01-01",
  time: "00:00:00",
  ipv4: "127.0.0.1",
  ipv6: "::1",
};

/** A value that satisfies `schema` as far as a simple reading goes; `{}` for no schema. */
export function exampleOf(schema: unknown, root: unknown = schema, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 8) return {};
  const s = schema as Schema;
  if (Array.isArray(s.examples) && s.examples.length) return s.examples[0];
  if ("default" in s) return s.default;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length) return s.enum[0];
  if (typeof s.$ref === "string") return exampleOf(resolveRef(s.$ref, root), root, depth + 1);
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const options = s[key];
    if (Array.isArray(options) && options.length) {
      const usable = options.find((o) => (o as Schema)?.type !== "null") ?? options[0];
      return key === "allOf" ? Object.assign({}, ...options.map((o) => exampleOf(o, root, depth + 1))) : exampleOf(usable, root, depth + 1);
    }
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
      const out: Record<string, unknown> = {};
      for (const [k, p] of Object.entries(props)) {
        if (required.has(k) || "default" in p || Array.isArray(p.examples)) out[k] = exampleOf(p, root, depth + 1);
      }
      return out;
    }
    case "array": {
      const min = typeof s.minItems === "number" ? s.minItems : 0;
      if (Array.isArray(s.prefixItems)) return s.prefixItems.map((p) => exampleOf(p, root, depth + 1));
      return Array.from({ length: min }, () => exampleOf(s.items, root, depth + 1));
    }
    case "string": {
      const format = typeof s.format === "string" ? FORMATS[s.format] : undefined;
      if (format) return format;
      const min = typeof s.minLength === "number" ? s.minLength : 0;
      return min > 0 ? "x".repeat(min) : "";
    }
    case "integer":
    case "number": {
      // 0 when the bounds allow it, else the nearest bound.
      const step = type === "integer" ? 1 : 0.5;
      const lo = typeof s.minimum === "number" ? s.minimum : typeof s.exclusiveMinimum === "number" ? s.exclusiveMinimum + step : -Infinity;
      const hi = typeof s.maximum === "number" ? s.maximum : typeof s.exclusiveMaximum === "number" ? s.exclusiveMaximum - step : Infinity;
      return Math.min(Math.max(0, lo), hi);
    }
    case "boolean":
      return false;
    case "null":
      return null;
  }
  return {};
}

function resolveRef(ref: string, root: unknown): unknown {
  if (!ref.startsWith("#")) return undefined;
  let node: unknown = root;
  for (const part of ref.slice(1).split("/").filter(Boolean)) {
    node = node && typeof node === "object" ? (node as Schema)[part.replace(/~1/g, "/").replace(/~0/g, "~")] : undefined;
  }
  return node;
}
