/**
 * `celeriac dev`: start the dev server and print what to curl.
 * @module
 */
import { parseArgs } from "node:util";
import { startDevServer } from "../dev/dev-server.ts";

export async function devCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: "string", default: process.env.PORT ?? "8787" },
      host: { type: "string", default: "127.0.0.1" },
      functions: { type: "string", default: "functions/index.ts" },
      redis: { type: "string" },
    },
  });
  const server = await startDevServer({
    port: Number(values.port),
    host: values.host,
    tasks: values.functions,
    redis: values.redis,
    apiToken: process.env.CELERIAC_API_TOKEN || undefined,
  });
  const { url, apiToken } = server;
  const generated = !process.env.CELERIAC_API_TOKEN;
  const names = server.worker.runtime.registry.names();
  process.stdout.write(`
celeriac dev server: ${url}
  dashboard      ${url}/?token=${encodeURIComponent(apiToken)}
  tasks          ${names.join(", ")}
  backend        ${server.backend.kind}${values.redis ? ` (${values.redis})` : " (in memory; --redis redis://… for real Redis)"}
  local broker   ${url}/v2 (QStash v2 API, public dev keys)
  API token      ${apiToken}${generated ? "  (generated; set CELERIAC_API_TOKEN to choose one)" : ""}

Send a task and read its result:
  curl -s -X POST ${url}/api/tasks/math_add -H "Authorization: Bearer ${apiToken}" -H "Content-Type: application/json" -d '{"input":{"a":2,"b":3}}'
  curl -s ${url}/api/results/<id> -H "Authorization: Bearer ${apiToken}"

`);
  const stop = async () => {
    await server.close();
    process.exit(0);
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}
