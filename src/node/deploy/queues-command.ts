/**
 * `celeriac queues sync [--dry-run] [--functions functions/index.ts]`: create the queues declared
 * in code (`queue()`) on QStash (or the local broker) and set their parallelism and pause state,
 * from `QSTASH_TOKEN` / `QSTASH_URL`; prints the diff. Queues the code does not declare are left alone.
 * @module
 */
import { QStashBroker } from "../../broker/qstash.ts";
import type { Broker } from "../../broker/broker.ts";
import { ConfigError, UsageError } from "../../errors.ts";
import { collectQueues, formatQueueSyncReport, syncQueues } from "../../publish/queue-sync.ts";
import { importFunctions } from "../dev/load-functions.ts";
import { type DeployCommand, functionsPath, parseDeployArgs } from "./deploy-args.ts";

const QUEUES_USAGE = `Usage:
  celeriac queues sync [--dry-run] [--functions functions/index.ts]
      Create the queues declared with queue() and set their parallelism (and pause state).
      Reads QSTASH_TOKEN and QSTASH_URL (default https://qstash.upstash.io).
`;

/** What the command reads and writes, injectable for tests. */
export interface QueuesIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  /** Builds the broker. Default: `QStashBroker` from the environment. */
  broker?: (env: Record<string, string | undefined>) => Broker;
}

/** `celeriac queues …`. */
export const queuesCommand: DeployCommand = {
  usage: QUEUES_USAGE.trimEnd(),
  run: (argv) => runQueues(argv, { env: process.env, out: (t) => process.stdout.write(t) }),
};

/** Run the command; resolves the exit code. Throws a `UsageError` for a bad command line. */
export async function runQueues(argv: string[], io: QueuesIo): Promise<number> {
  const { values, positionals } = parseDeployArgs({
    args: argv,
    allowPositionals: true,
    options: { functions: { type: "string", default: "functions/index.ts" }, "dry-run": { type: "boolean", default: false } },
  });
  const [sub, ...extra] = positionals;
  if (sub !== "sync") throw new UsageError(sub ? `unknown subcommand "${sub}"; use sync` : "name a subcommand: sync");
  if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
  if (!io.broker && !io.env.QSTASH_TOKEN) throw new ConfigError("set QSTASH_TOKEN (and QSTASH_URL for the local broker): it says where the queues live.");
  const queues = collectQueues(await importFunctions(functionsPath(values.functions)));
  const broker = io.broker ? io.broker(io.env) : new QStashBroker({ token: io.env.QSTASH_TOKEN!, baseUrl: io.env.QSTASH_URL || undefined });
  const dryRun = values["dry-run"];
  io.out(formatQueueSyncReport(await syncQueues(broker, queues, { dryRun }), dryRun));
  return 0;
}
