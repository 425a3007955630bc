#!/usr/bin/env node
// The celeriac CLI. Installed, it runs celeriac's build (dist/) and loads tsx only for functions
// written in TypeScript; in celeriac's repository it runs the sources, through tsx. Failures are
// one line on stderr (the stack with CELERIAC_DEBUG=1), see src/node/cli/cli.ts.
import { existsSync } from "node:fs";
import * as module from "node:module";

const debug = !!process.env.CELERIAC_DEBUG && process.env.CELERIAC_DEBUG !== "0";

/** Flushes stdout and stderr, then exits with `code` (a server's leftovers must not keep the process alive). */
const exit = (code) => process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));

try {
  // Your functions load as ES modules whatever the package type, and afresh on reload: these
  // hooks go first so that tsx's run after them (see src/node/dev/functions-hooks.mjs).
  const hooks = new URL("../src/node/dev/functions-hooks.mjs", import.meta.url);
  if (module.register) module.register(hooks);
  else module.registerHooks({ resolve: (await import(hooks.href)).resolveSync });
  const build = new URL("../dist/node/cli/cli.js", import.meta.url);
  let cli;
  if (import.meta.url.includes("/node_modules/") && existsSync(build)) {
    cli = await import(build.href);
  } else {
    let tsx;
    try {
      tsx = await import("tsx/esm/api");
    } catch (error) {
      if (error?.code === "ERR_MODULE_NOT_FOUND" && /'tsx'/.test(error.message)) {
        throw Object.assign(new Error(`running from its TypeScript sources, the CLI needs the "tsx" package: npm install tsx.`), { expected: true });
      }
      throw error;
    }
    tsx.register();
    cli = await import("../src/node/cli/cli.ts");
  }
  exit(await cli.main(process.argv.slice(2)));
} catch (error) {
  const line = error?.expected ? error.message : `unexpected error: ${error?.name ?? "Error"}: ${String(error?.message ?? error).split("\n")[0]}. ${debug ? "" : "Run with CELERIAC_DEBUG=1 for the stack."}`;
  process.stderr.write(`celeriac: ${line.trim()}\n${debug && !error?.expected ? `${error?.stack}\n` : ""}`);
  exit(1);
}
