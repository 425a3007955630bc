/**
 * `celeriac dev`: start the dev server, print what to curl (with one of your own tasks), reload
 * when the functions change, and stop on Ctrl-C.
 * @module
 */
import { assertRedisReachable } from "../redis-unreachable.ts";
import { assertInstalled } from "./assert-installed.ts";
import { type CliCommand, nonEmptyValue, parseCommandLine, portValue, redisUrlValue } from "./command-line.ts";
import { devBanner } from "./dev-banner.ts";
import { untilSignal } from "./until-signal.ts";

/** `celeriac dev`. */
export const devCommand: CliCommand = {
  usage: `Usage: celeriac dev [--port 8787] [--host 127.0.0.1] [--functions functions/index.ts] [--redis redis://127.0.0.1:6379]

Runs the dev server: the local broker, a worker for your functions, the publish API and the
dashboard in one process. Reloads when a file next to the functions module changes.

  --port <n>          HTTP port (default: $PORT or 8787; 0 picks a free one)
  --host <addr>       interface to listen on (default: 127.0.0.1)
  --functions <path>  module exporting your tasks and schedules (default: functions/index.ts)
  --redis <url>       store results in this Redis instead of memory (needs the "redis" package)

Set CELERIAC_API_TOKEN to choose the API token; otherwise one is generated and printed.`,

  async run(argv) {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        port: { type: "string" },
        host: { type: "string", default: "127.0.0.1" },
        functions: { type: "string", default: "functions/index.ts" },
        redis: { type: "string" },
      },
    });
    const port = values.port !== undefined ? portValue(values.port) : process.env.PORT ? portValue(process.env.PORT, "PORT") : 8787;
    const host = nonEmptyValue(values.host, "--host");
    const functions = nonEmptyValue(values.functions, "--functions");
    const redis = values.redis === undefined ? undefined : redisUrlValue(values.redis);
    if (redis) {
      assertInstalled("redis", "celeriac dev --redis");
      await assertRedisReachable(redis); // before loading anything else
    }
    const { startDevServer } = await import("../dev/dev-server.ts");
    const server = await startDevServer({
      port,
      host,
      tasks: functions,
      redis,
      apiToken: process.env.CELERIAC_API_TOKEN || undefined,
      watch: true,
    });
    const banner = await devBanner(server, { redis: values.redis, generatedToken: !process.env.CELERIAC_API_TOKEN });
    const stopped = untilSignal(); // listening before the banner: whoever reads it may send SIGINT at once
    process.stdout.write(banner);
    await stopped;
    await server.close();
  },
};
