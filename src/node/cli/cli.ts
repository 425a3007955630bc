/**
 * The `celeriac` command: `dev`, `broker`, `redis-bridge`, `schedules`.
 * @module
 */
import { CeleriacError } from "../../errors.ts";

const HELP = `celeriac — Celery's task model for the edge

Usage:
  celeriac dev [--port 8787] [--host 127.0.0.1] [--functions functions/index.ts] [--redis redis://127.0.0.1:6379]
      Run the dev server: local broker + worker for your functions + publish API + dashboard.
  celeriac broker [--port 8080] [--host 127.0.0.1] [--redis redis://…] [--token t]
                  [--current-signing-key sig_…] [--next-signing-key sig_…]
      Run the QStash-compatible local broker alone; prints QSTASH_* lines for .env.
  celeriac redis-bridge --redis redis://127.0.0.1:6379 [--port 8079] [--token <t>]
      Serve the Upstash Redis REST protocol over a self-hosted Redis.
  celeriac schedules <sync|wrangler|list> [--functions functions/index.ts]
      Reconcile the schedules defined in code with QStash, or print wrangler cron triggers.
`;

type Command = (argv: string[]) => Promise<unknown>;

const COMMANDS: Record<string, () => Promise<Command>> = {
  dev: async () => (await import("./dev-command.ts")).devCommand,
  broker: async () => (await import("./broker-command.ts")).brokerCommand,
  "redis-bridge": async () => (await import("./redis-bridge-command.ts")).redisBridgeCommand,
  schedules: async () => (await import("./schedules-command.ts")).schedulesCommand,
};

/** Run the CLI with `argv` (without `node` and the script). */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    process.stdout.write(HELP);
    return;
  }
  const load = COMMANDS[name];
  if (!load) {
    process.stderr.write(`Unknown command "${name}".\n\n${HELP}`);
    process.exitCode = 2;
    return;
  }
  try {
    await (await load())(rest);
  } catch (error) {
    if (error instanceof CeleriacError || (error as Error)?.name === "ConfigError") {
      process.stderr.write(`celeriac ${name}: ${(error as Error).message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
}
