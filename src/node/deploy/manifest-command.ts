/**
 * `celeriac manifest [--functions functions/index.ts] [--out celeriac.manifest.json] [--check]`:
 * write the task manifest (each task's queue, rate limit, delivery timeout, default expiry,
 * delivery retries) that `createClient({ manifest })` reads, so a client that sends
 * by name without importing the tasks publishes as the tasks' own code would. `--check` exits 1
 * when the file differs from the code (for CI).
 * @module
 */
import { readFile, writeFile } from "node:fs/promises";
import { UsageError } from "../../errors.ts";
import { taskManifest } from "../../publish/manifest.ts";
import { importFunctions } from "../dev/load-functions.ts";
import { type DeployCommand, functionsPath, parseDeployArgs } from "./deploy-args.ts";

const MANIFEST_USAGE = `Usage:
  celeriac manifest [--functions functions/index.ts] [--out celeriac.manifest.json] [--check]
      Write the task manifest a client loads to send by name with the tasks' options
      (createClient({ manifest })); without --out, print it. --check exits 1 when --out is stale.
`;

/** Where the command writes, injectable for tests. */
export interface ManifestIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** `celeriac manifest`. */
export const manifestCommand: DeployCommand = {
  usage: MANIFEST_USAGE.trimEnd(),
  run: (argv) => runManifest(argv, { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) }),
};

/** Run the command; resolves the exit code. */
export async function runManifest(argv: string[], io: ManifestIo): Promise<number> {
  const { values, positionals } = parseDeployArgs({
    args: argv,
    allowPositionals: true,
    options: { functions: { type: "string", default: "functions/index.ts" }, out: { type: "string" }, check: { type: "boolean", default: false } },
  });
  if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"`);
  if (values.check && !values.out) throw new UsageError("--check needs --out <the manifest file to compare>");
  const text = `${JSON.stringify(taskManifest(await importFunctions(functionsPath(values.functions))), null, 2)}\n`;
  if (!values.out) {
    io.out(text);
    return 0;
  }
  if (values.check) {
    const current = await readFile(values.out, "utf8").catch(() => undefined);
    if (current === text) {
      io.out(`${values.out} is up to date.\n`);
      return 0;
    }
    io.err(`${values.out} is ${current === undefined ? "missing" : "out of date"}: run \`celeriac manifest --out ${values.out}\`.\n`);
    return 1;
  }
  await writeFile(values.out, text);
  io.out(`wrote ${values.out}\n`);
  return 0;
}
