/**
 * Reading the worker's production configuration from environment variables (Workers bindings,
 * Deno's and Node's environment): every variable, how to set it on each runtime, and
 * `configFromEnv`, which validates them all at once (ONE error naming every missing or invalid
 * variable) and builds the parts with the factories it is given. Imports no client library, so
 * a bundle holds only the factories it passes (`fromEnv` in from-env.ts defaults to the official
 * ones; the Workers adapter passes the slim ones).
 * @module
 */
import type { Backend } from "../backend/backend.ts";
import type { Broker } from "../broker/broker.ts";
import { type Duration, toMs } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import type { Verifier } from "../verify/verifier.ts";
import type { WorkerOptions } from "../worker/create-worker.ts";

/** The runtimes `fromEnv` knows how to give advice for. */
export type RuntimeName = "cloudflare" | "deno" | "node";

/** Environment variables as strings. Non-string values (other Workers bindings) are ignored. */
export type EnvSource = Readonly<Record<string, string | undefined>>;

/** What `fromEnv` builds: every worker option except `tasks`. */
export type EnvConfig = Omit<WorkerOptions, "tasks"> & { backend: Backend; broker: Broker; verifier: Verifier; publicUrl: string };

/** The parts of the configuration a caller may supply itself; their variables are then not read. */
export type ProvidedParts = { [K in "backend" | "broker" | "verifier" | "publicUrl" | "apiToken" | "resultExpires"]?: WorkerOptions[K] | undefined };

/** The validated variables one part is built from. */
export interface BackendVariables {
  url: string;
  token: string;
  /** `CELERIAC_KEY_PREFIX`, if set. */
  prefix: string | undefined;
  resultExpiresMs: number;
  /** True when `UPSTASH_DISABLE_TELEMETRY` is set. */
  disableTelemetry: boolean;
}

/**
 * How the backend, broker and verifier are built from their variables. Two sets ship:
 * {@link OFFICIAL_PARTS} and {@link SLIM_PARTS}; a bundle holds only the set it references.
 */
export interface EnvParts {
  backend(v: BackendVariables): Backend;
  broker(v: { token: string; baseUrl: string | undefined }): Broker;
  verifier(v: { currentSigningKey: string; nextSigningKey: string }): Verifier;
}

type Part = keyof ProvidedParts;

interface Variable {
  name: string;
  part: Part;
  required: boolean;
  /** Secrets go through `wrangler secret put`; plain values through `[vars]`. */
  secret: boolean;
  what: string;
}

/** Every variable `fromEnv` reads, in the order errors list them. */
export const ENV_VARIABLES: readonly Variable[] = [
  { name: "UPSTASH_REDIS_REST_URL", part: "backend", required: true, secret: true, what: "the REST URL of your Upstash Redis database (or of `celeriac redis-bridge`)" },
  { name: "UPSTASH_REDIS_REST_TOKEN", part: "backend", required: true, secret: true, what: "the REST token of that database" },
  { name: "CELERIAC_KEY_PREFIX", part: "backend", required: false, secret: false, what: "a prefix for every Redis key (Celery's global_keyprefix); default none" },
  { name: "QSTASH_TOKEN", part: "broker", required: true, secret: true, what: "your QStash token (Upstash console → QStash), or the local broker's token" },
  { name: "QSTASH_URL", part: "broker", required: false, secret: false, what: "the QStash base URL; default https://qstash.upstash.io" },
  { name: "QSTASH_CURRENT_SIGNING_KEY", part: "verifier", required: true, secret: true, what: "the current signing key (`sig_…`) that deliveries are checked against" },
  { name: "QSTASH_NEXT_SIGNING_KEY", part: "verifier", required: true, secret: true, what: "the next signing key (`sig_…`), accepted too during key rotation" },
  { name: "CELERIAC_URL", part: "publicUrl", required: true, secret: false, what: "this worker's public base URL, where the broker delivers (e.g. https://tasks.example.workers.dev)" },
  { name: "CELERIAC_API_TOKEN", part: "apiToken", required: true, secret: true, what: "the bearer token of the publish/results API (any long random string)" },
  { name: "CELERIAC_RESULT_EXPIRES", part: "resultExpires", required: false, secret: false, what: "the result TTL: seconds or a duration like \"1d\"; default 1 day" },
];

/** How to set variable `v` on `runtime`, as one sentence. */
export function howToSet(v: Pick<Variable, "name" | "secret">, runtime: RuntimeName): string {
  const n = v.name;
  switch (runtime) {
    case "cloudflare":
      return v.secret
        ? `run \`wrangler secret put ${n}\` (for \`wrangler dev\`: a line ${n}=… in .dev.vars)`
        : `add ${n} = "…" under [vars] in wrangler.toml (for \`wrangler dev\`: a line ${n}=… in .dev.vars)`;
    case "deno":
      return `export ${n}=… before \`deno run\`, or put ${n}=… in a file passed with \`deno run --env-file=.env\` (Deno reads environment variables only when run with --allow-env)`;
    case "node":
      return `export ${n}=… in the environment, or put ${n}=… in .env and start with \`node --env-file=.env\``;
  }
}

const DEFAULT_RESULT_EXPIRES_MS = 86_400_000;

/** Options of {@link configFromEnv}. */
export interface ConfigFromEnvOptions {
  /** Which runtime's advice the error gives (`wrangler secret put`, `--env-file`, …). Default `"node"`. */
  runtime?: RuntimeName | undefined;
  /** Parts already configured in code: their variables are neither read nor required. Default none. */
  provided?: ProvidedParts | undefined;
}

/**
 * `fromEnv` with the part factories given explicitly and no default: a bundle that calls only
 * this (the Workers adapter) holds only the factories it passes. Reads and validates the
 * variables listed in {@link ENV_VARIABLES}; throws one `ConfigError` listing every missing or
 * invalid one with how to set it on `options.runtime`.
 */
export function configFromEnv(env: EnvSource, options: ConfigFromEnvOptions, parts: EnvParts): EnvConfig {
  const runtime = options.runtime ?? "node";
  const provided = options.provided ?? {};
  const read = (name: string): string | undefined => {
    const value: unknown = env[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const needed = ENV_VARIABLES.filter((v) => provided[v.part] === undefined);
  const problems: string[] = [];
  const missing = needed.filter((v) => v.required && read(v.name) === undefined);
  for (const v of missing) problems.push(`  - ${v.name} is missing: ${v.what}. To set it, ${howToSet(v, runtime)}.`);
  const invalid = (v: Variable, why: string) => problems.push(`  - ${v.name} is invalid: ${why}. To set it, ${howToSet(v, runtime)}.`);
  const spec = (name: string) => ENV_VARIABLES.find((v) => v.name === name)!;
  const isNeeded = (name: string) => needed.some((v) => v.name === name);

  for (const name of ["UPSTASH_REDIS_REST_URL", "QSTASH_URL", "CELERIAC_URL"]) {
    const value = isNeeded(name) ? read(name) : undefined;
    if (value !== undefined && !isHttpUrl(value)) invalid(spec(name), `${JSON.stringify(value)} is not an http(s) URL`);
  }
  let resultExpiresMs = DEFAULT_RESULT_EXPIRES_MS;
  const expires = isNeeded("CELERIAC_RESULT_EXPIRES") ? read("CELERIAC_RESULT_EXPIRES") : undefined;
  if (expires !== undefined) {
    let ms = NaN;
    try {
      ms = toMs(expires);
    } catch { /* reported below */ }
    if (ms > 0) resultExpiresMs = ms;
    else invalid(spec("CELERIAC_RESULT_EXPIRES"), `${JSON.stringify(expires)} is not a duration greater than 0 (results need a TTL)`);
  } else if (provided.resultExpires !== undefined) {
    resultExpiresMs = toMs(provided.resultExpires as Duration);
  }

  if (problems.length) {
    const count = problems.length === 1 ? "1 environment variable needs" : `${problems.length} environment variables need`;
    throw new ConfigError(`celeriac cannot start on ${runtimeLabel(runtime)}: ${count} attention.\n${problems.join("\n")}`);
  }

  const get = (name: string) => read(name)!;
  return {
    backend: provided.backend ??
      parts.backend({
        url: get("UPSTASH_REDIS_REST_URL"),
        token: get("UPSTASH_REDIS_REST_TOKEN"),
        prefix: read("CELERIAC_KEY_PREFIX"),
        resultExpiresMs,
        disableTelemetry: read("UPSTASH_DISABLE_TELEMETRY") !== undefined,
      }),
    broker: provided.broker ?? parts.broker({ token: get("QSTASH_TOKEN"), baseUrl: read("QSTASH_URL") }),
    verifier: provided.verifier ??
      parts.verifier({ currentSigningKey: get("QSTASH_CURRENT_SIGNING_KEY"), nextSigningKey: get("QSTASH_NEXT_SIGNING_KEY") }),
    publicUrl: provided.publicUrl ?? get("CELERIAC_URL").replace(/\/+$/, ""),
    apiToken: provided.apiToken ?? get("CELERIAC_API_TOKEN"),
    resultExpires: resultExpiresMs / 1000,
  };
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:";
  } catch {
    return false;
  }
}

function runtimeLabel(runtime: RuntimeName): string {
  return runtime === "cloudflare" ? "Cloudflare Workers" : runtime === "deno" ? "Deno" : "Node";
}
