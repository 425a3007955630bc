/**
 * `celeriac broker`: the QStash-compatible local broker alone. Prints the four QSTASH_* lines an
 * existing QStash app needs (paste them into .env). With the defaults (public dev token and
 * keys, port 8080) it also serves SDKs started with `QSTASH_DEV=true`.
 * @module
 */
import { assertRedisReachable } from "../redis-unreachable.ts";
import { assertInstalled } from "./assert-installed.ts";
import { byteSizeValue, type CliCommand, nonEmptyValue, parseCommandLine, portValue, redisUrlValue } from "./command-line.ts";
import { untilSignal } from "./until-signal.ts";

/** `celeriac broker`. */
export const brokerCommand: CliCommand = {
  usage: `Usage: celeriac broker [--port 8080] [--host 127.0.0.1] [--redis redis://…] [--token T] [--current-signing-key K] [--next-signing-key K] [--max-body-bytes 1mb]

Runs the QStash-compatible local broker alone and prints the QSTASH_* lines for .env.

  --port <n>                   HTTP port (default: 8080, where QSTASH_DEV=true clients look; 0 picks a free one)
  --host <addr>                interface to listen on (default: 127.0.0.1)
  --redis <url>                keep messages, schedules, queues and the DLQ in this Redis (needs the "redis" package)
  --token <t>                  the QSTASH_TOKEN clients must send (default: the SDK's public dev token)
  --current-signing-key <k>    signing keys (default: the SDK's public dev keys)
  --next-signing-key <k>
  --max-body-bytes <size>      the largest message body it accepts (default: 1mb, as QStash's free plan; e.g. 5mb)

Stop with Ctrl-C.`,

  /** Runs the broker until SIGINT or SIGTERM; resolves after a clean shutdown. */
  async run(argv) {
    const { values } = parseCommandLine({
      args: argv,
      options: {
        port: { type: "string", default: "8080" },
        host: { type: "string", default: "127.0.0.1" },
        redis: { type: "string" },
        token: { type: "string" },
        "current-signing-key": { type: "string" },
        "next-signing-key": { type: "string" },
        "max-body-bytes": { type: "string" },
      },
    });
    const optional = (name: "token" | "current-signing-key" | "next-signing-key") => (values[name] === undefined ? undefined : nonEmptyValue(values[name], `--${name}`));
    const options = {
      port: portValue(values.port),
      host: nonEmptyValue(values.host, "--host"),
      redis: values.redis === undefined ? undefined : redisUrlValue(values.redis),
      token: optional("token"),
      currentSigningKey: optional("current-signing-key"),
      nextSigningKey: optional("next-signing-key"),
      maxBodyBytes: values["max-body-bytes"] === undefined ? undefined : byteSizeValue(values["max-body-bytes"], "--max-body-bytes"),
    };
    if (options.redis) {
      assertInstalled("redis", "celeriac broker --redis");
      await assertRedisReachable(options.redis); // before loading anything else
    }
    const { startBrokerServer } = await import("../broker/server.ts");
    const server = await startBrokerServer(options);
    const { current, next } = server.broker.keys;
    const stopped = untilSignal(); // listening before the QSTASH_* lines: whoever reads them may send SIGINT at once
    process.stdout.write(
      `celeriac broker: QStash v2 API on ${server.url} (${values.redis ? `Redis store ${values.redis}` : "in memory; --redis redis://… to persist"})\n` +
        `QSTASH_URL=${server.url}\nQSTASH_TOKEN=${server.broker.token}\nQSTASH_CURRENT_SIGNING_KEY=${current}\nQSTASH_NEXT_SIGNING_KEY=${next}\n`,
    );
    await stopped;
    await server.close();
  },
};
