/**
 * Module hooks for loading your functions, registered by `bin/celeriac.mjs` before tsx's so that
 * they run next to Node's own resolver (plain JavaScript: tsx is not loaded yet).
 *
 * - **ES modules whatever the package type.** A `.ts` file written with `import`/`export` in a
 *   project whose package.json says `"type": "commonjs"` (what `npm init -y` writes) or no type
 *   at all is, by Node's rules, CommonJS: tsx compiles it to CommonJS, whose `require("celeriac")`
 *   meets celeriac's ES modules, and Node fails with `ERR_REQUIRE_CYCLE_MODULE` (or loads a second
 *   copy of celeriac). These hooks resolve such a file as an ES module, so tsx compiles it as one
 *   and it shares celeriac's module instances with the CLI.
 * - **A fresh copy per reload.** An import URL carrying `?celeriac-reload=<n>` passes that
 *   parameter on to every file of your project it imports (not to `node_modules` nor to
 *   celeriac's own `src/`), so `celeriac dev` re-evaluates your changed files while celeriac, zod
 *   and other packages stay the instances the server already uses.
 * @module
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The search parameter that carries the reload generation (also `RELOAD_PARAM` in load-functions.ts). */
const RELOAD_PARAM = "celeriac-reload";
const TS_FILE = /\.tsx?$/;
/** Lines that only parse as an ES module (`import x = require()` is TypeScript's CommonJS form). */
const ES_SYNTAX = /^[ \t]*(?:import[ \t]*(?:[\w$*{"']|\.meta)|export[ \t]*(?:[\w$*{]|default\b))/m;
const TS_CJS_IMPORT = /^[ \t]*import[ \t]+[\w$]+[ \t]*=[ \t]*require[ \t]*\(/m;
const CELERIAC_SRC = new URL("../../", import.meta.url).href;

/**
 * Adjusts what the next resolver found: the reload parameter, and the format of `.ts` files with
 * ES syntax that Node would treat as CommonJS.
 * @param {{ url: string, format?: string | null }} resolved
 * @param {{ parentURL?: string }} context
 */
function adjust(resolved, context) {
  if (!resolved.url.startsWith("file:") || resolved.url.includes("/node_modules/")) return resolved;
  let { url, format } = resolved;
  const generation = context.parentURL ? reloadGeneration(context.parentURL) : undefined;
  if (generation !== undefined && !url.startsWith(CELERIAC_SRC) && reloadGeneration(url) === undefined) {
    const withParam = new URL(url);
    withParam.searchParams.set(RELOAD_PARAM, generation);
    url = withParam.href;
  }
  const commonJs = !format || format === "commonjs" || format === "commonjs-typescript";
  if (commonJs && TS_FILE.test(new URL(url).pathname) && hasEsSyntax(url)) format = "module";
  return url === resolved.url && format === resolved.format ? resolved : { ...resolved, url, format };
}

/** @param {string} url */
function reloadGeneration(url) {
  const at = url.indexOf("?");
  return at === -1 ? undefined : new URLSearchParams(url.slice(at + 1)).get(RELOAD_PARAM) ?? undefined;
}

/** @param {string} url */
function hasEsSyntax(url) {
  try {
    const source = readFileSync(fileURLToPath(url.split("?")[0]), "utf8");
    return ES_SYNTAX.test(source) && !TS_CJS_IMPORT.test(source);
  } catch {
    return false; // unreadable: let the loader report it
  }
}

/** The `resolve` hook of `module.register()` (off-thread, asynchronous). */
export async function resolve(specifier, context, next) {
  return adjust(await next(specifier, context), context);
}

/** The `resolve` hook of `module.registerHooks()` (in-thread, synchronous), where `module.register()` is gone. */
export function resolveSync(specifier, context, next) {
  return adjust(next(specifier, context), context);
}
