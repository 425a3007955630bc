/**
 * `celeriac broker`: the QStash-compatible local broker alone. Prints the four QSTASH_* lines an
 * existing QStash app needs (paste them into .env). With the defaults (public dev token and
 * keys, port 8080) it also serves SDKs started with `QSTASH_DEV=true`.
 * @module
 */

import { parseArgs } from "node:util";
import { ConfigError } from "../../errors.ts";
import { startBrokerServer } from "../broker/server.ts";

const USAGE = `celeriac broker [--port 8080] [--host 127.0.0.1] [--redis redis://…] [--token T] [--current-signing-key K] [--next-signing-key K]`;

/** Run the broker until SIGINT/SIGTERM; resolves after a clean shutdown. */
export async function brokerCommand(argv: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        redis: { type: "string" },
        token: { type: "string" },
        "current-signing-key": { type: "string" },
        "next-signing-key": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\nUsage: ${USAGE}`);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`--port ${values.port} is not a port number (0-65535).`);
  const server = await startBrokerServer({
    port,
    host: values.host,
    redis: values.redis,
    token: values.token,
    currentSigningKey: values["current-signing-key"],
    nextSigningKey: values["next-signing-key"],
  });
  const { current, next } = server.broker.keys;
  process.stdout.write(
    `celeriac broker: QStash v2 API on ${server.url} (${values.redis ? `Redis store ${values.redis}` : "in memory; --redis redis://… to persist"})\n` +
      `QSTASH_URL=${server.url}\nQSTASH_TOKEN=${server.broker.token}\nQSTASH_CURRENT_SIGNING_KEY=${current}\nQSTASH_NEXT_SIGNING_KEY=${next}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
      server.close().then(resolve, resolve);
    };
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
}
