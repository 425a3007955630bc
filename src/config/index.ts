/**
 * celeriac/config: what a worker is configured with, beyond `fromEnv` (in `celeriac`): every
 * environment variable it reads (`ENV_VARIABLES`, `howToSet`), `configFromEnv` with the part
 * factories of your choice (`OFFICIAL_PARTS`: the official Upstash clients; `SLIM_PARTS`: the
 * fetch-only ones; Node's `NODE_PARTS` are in `celeriac/node`), the loggers, and
 * `setContextStorage`, which tracks the running task (the in-task guards) on runtimes whose
 * adapter does not install it.
 *
 * @example
 * import { configFromEnv, SLIM_PARTS } from "celeriac/config";
 * const worker = createWorker({ ...configFromEnv(env, { runtime: "cloudflare" }, SLIM_PARTS), tasks });
 * @module
 */
export { configFromEnv, ENV_VARIABLES, howToSet, OFFICIAL_PARTS, SLIM_PARTS } from "./from-env.ts";
export type { BackendVariables, ConfigFromEnvOptions, EnvParts, ProvidedParts } from "./from-env.ts";
export { consoleLogger, silentLogger } from "../util/logger.ts";
export type { Logger } from "../util/logger.ts";
export { setContextStorage } from "../current.ts";
export type { ContextStorage, CurrentTask } from "../current.ts";
