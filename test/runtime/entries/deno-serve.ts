/**
 * `deno serve` entry of the example functions: the default export is the worker (`{ fetch }`),
 * configured from `Deno.env`. Run by test/runtime/deno.test.ts:
 * `deno serve --allow-net --allow-env --allow-read --host 127.0.0.1 --port <port> test/runtime/entries/deno-serve.ts`.
 */
import { createDenoWorker } from "../../../src/adapters/deno.ts";
import * as tasks from "../../../functions/index.ts";
import { dashboard } from "../../../src/dashboard/index.ts";

export default createDenoWorker({ tasks, dashboard: dashboard() });
