/**
 * What `celeriac dev` prints at start: the URLs, the token, and a curl that sends one of your own
 * tasks with an input made from its JSON Schema (as the worker's `GET /api/tasks` describes it).
 * @module
 */
import type { DevServer } from "../dev/dev-server.ts";

/** The banner of a started dev server. */
export async function devBanner(server: DevServer, o: { redis?: string; generatedToken: boolean }): Promise<string> {
  const { url, apiToken } = server;
  const auth = `-H "Authorization: Bearer ${apiToken}"`;
  const tasks = await describedTasks(server);
  const example = tasks[0];
  const body = JSON.stringify({ input: example ? exampleValue(example.input) ?? {} : {} });
  return `
celeriac dev server: ${url}
  dashboard      ${url}/dashboard (${loopback(url) ? "reads open on loopback; sign in with the API token to act" : "sign in with the API token"})
  tasks          ${tasks.map((t) => t.name).join(", ")}
  backend        ${server.backend.kind}${o.redis ? ` (${o.redis})` : " (in memory; --redis redis://… for real Redis)"}
  local broker   ${url}/v2 (QStash v2 API, public dev keys)
  API token      ${apiToken}${o.generatedToken ? "  (generated; set CELERIAC_API_TOKEN to choose one)" : ""}

Send a task and read its result:
  curl -s -X POST ${url}/api/tasks/${example?.name ?? "<task>"} ${auth} -H "Content-Type: application/json" -d '${body.replaceAll("'", "'\\''")}'
  curl -s ${url}/api/results/<id> ${auth}

Or with the CLI (celeriac --help lists call, result, revoke, inspect, dlq, purge, events):
  export CELERIAC_URL=${url} CELERIAC_API_TOKEN=${apiToken}
  npx celeriac call ${example?.name ?? "<task>"} --input '${JSON.stringify(example ? exampleValue(example.input) ?? {} : {}).replaceAll("'", "'\\''")}' --wait

`;
}

/** True when the server listens on a loopback address only (the dashboard then reads without signing in). */
function loopback(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

/** The tasks as `GET /api/tasks` lists them (name and input JSON Schema), in the order of the functions module. */
async function describedTasks(server: DevServer): Promise<{ name: string; input: unknown }[]> {
  const response = await server.worker.fetch(new Request(`${server.url}/api/tasks`, { headers: { authorization: `Bearer ${server.apiToken}` } }));
  return ((await response.json()) as { tasks: { name: string; input: unknown }[] }).tasks;
}

type Schema = {
  type?: string | string[];
  examples?: unknown[];
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

const FORMATS: Record<string, string> = {
  email: "user@example.com",
  uri: "https://example.com",
  url: "https://example.com",
  uuid: "123e4567-e89b-42d3-a456-426614174000",
  "date-time": "2025-01-01T12:00:00Z",
  date: "2025-01-01",
  time: "12:00:00",
};

/**
 * A small value that satisfies the usual JSON Schema keywords (examples, default, const, enum,
 * types, required properties, formats, lengths and bounds). Numbers count up (1, 2, …) so that
 * the fields of an example differ. Undefined when the schema gives nothing to go on.
 */
export function exampleValue(schema: unknown, counter = { n: 0 }, depth = 0): unknown {
  if (!schema || typeof schema !== "object" || depth > 8) return undefined;
  const s = schema as Schema;
  if (s.examples?.length) return s.examples[0];
  if (s.default !== undefined) return s.default;
  if (s.const !== undefined) return s.const;
  if (s.enum?.length) return s.enum[0];
  const options = s.anyOf ?? s.oneOf ?? s.allOf;
  if (options) return exampleValue(options.find((o) => o.type !== "null") ?? options[0], counter, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type ?? (s.properties ? "object" : undefined);
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const key of s.required ?? []) out[key] = exampleValue(s.properties?.[key], counter, depth + 1) ?? null;
      return out;
    }
    case "array": {
      const item = exampleValue(s.items, counter, depth + 1);
      return item === undefined ? [] : Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => item);
    }
    case "string": {
      if (s.format && FORMATS[s.format]) return FORMATS[s.format];
      const min = s.minLength ?? 0;
      const max = s.maxLength ?? Infinity;
      return "example".padEnd(min, "x").slice(0, Math.max(min, Math.min(max, 7)));
    }
    case "integer":
    case "number": {
      let n = ++counter.n;
      if (s.minimum !== undefined && n < s.minimum) n = Math.ceil(s.minimum);
      if (s.exclusiveMinimum !== undefined && n <= s.exclusiveMinimum) n = Math.floor(s.exclusiveMinimum) + 1;
      if (s.maximum !== undefined && n > s.maximum) n = Math.floor(s.maximum);
      if (s.exclusiveMaximum !== undefined && n >= s.exclusiveMaximum) n = Math.ceil(s.exclusiveMaximum) - 1;
      return n;
    }
    case "boolean":
      return true;
    case "null":
      return null;
    default:
      return undefined;
  }
}
