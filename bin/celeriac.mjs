#!/usr/bin/env node
// The celeriac CLI. It loads TypeScript sources (yours in functions/, and celeriac's) through tsx.
// Failures are one line on stderr (the stack with CELERIAC_DEBUG=1), see src/node/cli/cli.ts.
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
  let tsx;
  try {
    tsx = await import("tsx/esm/api");
  } catch (error) {
    if (error?.code === "ERR_MODULE_NOT_FOUND" && /'tsx'/.test(error.message)) {
      throw Object.assign(new Error(`the CLI needs the "tsx" package to load TypeScript: npm i -D tsx.`), { expected: true });
    }
    throw error;
  }
  tsx.register();
  const { main } = await import("../src/node/cli/cli.ts");
  exit(await main(process.argv.slice(2)));
} catch (error) {
  const line = error?.expected ? error.message : `unexpected error: ${error?.name ?? "Error"}: ${String(error?.message ?? error).split("\n")[0]}. ${debug ? "" : "Run with CELERIAC_DEBUG=1 for the stack."}`;
  process.stderr.write(`celeriac: ${line.trim()}\n${debug && !error?.expected ? `${error?.stack}\n` : ""}`);
  exit(1);
}
