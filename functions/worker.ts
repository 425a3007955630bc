/**
 * The Workers entry of the example functions (`wrangler deploy`, `wrangler dev`): every task in
 * `./index.ts`, configured from the Worker's `[vars]` and secrets (see wrangler.toml), with the
 * dashboard at `/dashboard` (sign in with `CELERIAC_API_TOKEN`).
 * @module
 */
import { createCloudflareWorker } from "../src/adapters/cloudflare.ts";
import { dashboard } from "../src/dashboard/index.ts";
import * as tasks from "./index.ts";

export default createCloudflareWorker({ tasks, dashboard: dashboard() });
