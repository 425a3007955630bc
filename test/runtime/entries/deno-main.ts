/**
 * Deno entry of the example functions, as a user would write it: `serveDeno` with the
 * configuration from `Deno.env` (port from `PORT`). Run by test/runtime/deno.test.ts:
 * `deno run --allow-net --allow-env --allow-read test/runtime/entries/deno-main.ts`.
 */
import { serveDeno } from "../../../src/adapters/deno.ts";
import * as tasks from "../../../functions/index.ts";
import { dashboard } from "../../../src/dashboard/index.ts";

serveDeno({ tasks, dashboard: dashboard(), hostname: "127.0.0.1", onListen: ({ port }) => console.log(`celeriac on Deno listening on ${port}`) });
