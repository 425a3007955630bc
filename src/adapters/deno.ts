/**
 * celeriac/deno, the Deno adapter: `serveDeno({ tasks })` serves the worker with `Deno.serve`; for `deno serve`,
 * `export default createDenoWorker({ tasks })`. Configuration comes from `Deno.env` through
 * `fromEnv` (run with `--allow-env`, and `--env-file=.env` to load a file); the running task is
 * tracked with `AsyncLocalStorage`.
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { OFFICIAL_PARTS } from "../config/from-env.ts";
import { setContextStorage } from "../current.ts";
import type { Worker } from "../worker/create-worker.ts";
import { type AdapterOptions, workerFromEnv } from "./adapter-options.ts";

/** The parts of the `Deno` namespace used here. */
interface DenoNamespace {
  env: { toObject(): Record<string, string> };
  serve(
    options: { port?: number; hostname?: string; signal?: AbortSignal; onListen?: (addr: { hostname: string; port: number }) => void },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoHttpServer;
}

/** What `Deno.serve` returns (the parts used here). */
export interface DenoHttpServer {
  readonly finished: Promise<void>;
  readonly addr: { hostname: string; port: number };
  shutdown(): Promise<void>;
}

/** Options of {@link createDenoWorker}. */
export interface DenoWorkerOptions extends AdapterOptions {
  /** Environment to read. Default `Deno.env.toObject()`. */
  env?: Record<string, string | undefined>;
}

/** Options of {@link serveDeno}. */
export interface ServeDenoOptions extends DenoWorkerOptions {
  /** Default: the `PORT` variable, else 8000 (Deno's). `0` picks a free port. */
  port?: number | undefined;
  /** Default `0.0.0.0` (Deno's). */
  hostname?: string | undefined;
  /** Stops the server when aborted. */
  signal?: AbortSignal | undefined;
  /** Called once listening. Default: Deno's "Listening on …" line. */
  onListen?: ((addr: { hostname: string; port: number }) => void) | undefined;
}

function deno(): DenoNamespace {
  const d = (globalThis as { Deno?: DenoNamespace }).Deno;
  if (!d) throw new TypeError("celeriac/deno runs on Deno only: on Node use celeriac/node, on Workers celeriac/cloudflare.");
  return d;
}

/**
 * The worker for `deno serve`: a `{ fetch }` object built now from the environment.
 * @example
 * // main.ts — deno serve --allow-net --allow-env main.ts
 * import { createDenoWorker } from "celeriac/deno";
 * import * as tasks from "./functions/index.ts";
 * export default createDenoWorker({ tasks });
 */
export function createDenoWorker(options: DenoWorkerOptions): Worker {
  const { env, ...workerOptions } = options;
  setContextStorage(new AsyncLocalStorage());
  return workerFromEnv(workerOptions, env ?? deno().env.toObject(), "deno", OFFICIAL_PARTS);
}

/**
 * Serve `tasks` with `Deno.serve`. Throws `ConfigError` at once when a variable is missing.
 * @example
 * serveDeno({ tasks }); // deno run --allow-net --allow-env --env-file=.env main.ts
 */
export function serveDeno(options: ServeDenoOptions): { worker: Worker; server: DenoHttpServer } {
  const { port, hostname, signal, onListen, ...rest } = options;
  const env = rest.env ?? deno().env.toObject();
  const worker = createDenoWorker({ ...rest, env });
  const server = deno().serve({ port: port ?? (Number(env.PORT) || 8000), hostname, signal, onListen }, (request) => worker.fetch(request));
  return { worker, server };
}
