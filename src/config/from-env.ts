/**
 * `fromEnv(env)`: the worker's production configuration from environment variables (Workers
 * bindings, Deno's and Node's environment), failing fast with ONE error that names every missing or
 * invalid variable and says how to set it on the runtime at hand. Runtime adapters call it; the
 * core never reads an environment itself. The parts use the official Upstash clients
 * (`OFFICIAL_PARTS`) unless `slim` asks for the fetch-only ones (`SLIM_PARTS`).
 * @module
 */
import { Redis } from "@upstash/redis";
import { RedisBackend } from "../backend/redis/redis-backend.ts";
import { QStashBroker } from "../broker/qstash.ts";
import { type ConfigFromEnvOptions, configFromEnv, type EnvConfig, type EnvParts, type EnvSource } from "./env-config.ts";
import { SLIM_PARTS } from "./slim-parts.ts";
import { createQStashVerifier } from "../verify/qstash-verifier.ts";

export {
  type BackendVariables,
  type ConfigFromEnvOptions,
  configFromEnv,
  type EnvConfig,
  type EnvParts,
  type EnvSource,
  ENV_VARIABLES,
  howToSet,
  type ProvidedParts,
  type RuntimeName,
} from "./env-config.ts";
export { SLIM_PARTS } from "./slim-parts.ts";

/** Options of {@link fromEnv}. */
export interface FromEnvOptions extends ConfigFromEnvOptions {
  /**
   * Build the parts with the small fetch-only clients ({@link SLIM_PARTS}) instead of the official
   * `@upstash/redis` and `@upstash/qstash` ones ({@link OFFICIAL_PARTS}). Default false; the
   * Workers adapter uses the slim parts by default. `envParts` wins when given.
   */
  slim?: boolean | undefined;
  /** The factories that turn the variables into parts. Default {@link OFFICIAL_PARTS} (or {@link SLIM_PARTS} with `slim`). */
  envParts?: EnvParts | undefined;
}

/** The official clients: `RedisBackend` over `@upstash/redis`, `QStashBroker` and the `Receiver`-based verifier over `@upstash/qstash`. */
export const OFFICIAL_PARTS: EnvParts = {
  backend: (v) =>
    new RedisBackend({
      redis: new Redis({ url: v.url, token: v.token, enableTelemetry: v.disableTelemetry ? false : undefined }),
      resultExpiresMs: v.resultExpiresMs,
      prefix: v.prefix,
    }),
  broker: (v) => new QStashBroker(v),
  verifier: (v) => createQStashVerifier(v),
};

/**
 * Build the worker's configuration from environment variables.
 *
 * Reads `UPSTASH_REDIS_REST_URL`, `UPSTASH_REDIS_REST_TOKEN`, optional `CELERIAC_KEY_PREFIX`
 * (→ `RedisBackend`), `QSTASH_TOKEN`,
 * optional `QSTASH_URL` (→ `QStashBroker`), `QSTASH_CURRENT_SIGNING_KEY`, `QSTASH_NEXT_SIGNING_KEY`
 * (→ verifier), `CELERIAC_URL` (→ `publicUrl`), `CELERIAC_API_TOKEN` (→ `apiToken`) and optional
 * `CELERIAC_RESULT_EXPIRES` (default 1 day). Throws one `ConfigError` listing every missing or
 * invalid variable with how to set it on `options.runtime`. The parts use the official Upstash
 * clients unless `options.slim` (or `options.envParts`) says otherwise.
 *
 * @example
 * const worker = createWorker({ tasks, ...fromEnv(env, { runtime: "cloudflare" }) });
 */
export function fromEnv(env: EnvSource, options: FromEnvOptions = {}): EnvConfig {
  return configFromEnv(env, options, options.envParts ?? (options.slim ? SLIM_PARTS : OFFICIAL_PARTS));
}

