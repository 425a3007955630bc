/**
 * The runtime-neutral core: nothing under src/ outside src/adapters/ and src/node/ may import a
 * Node built-in or touch `process`, `Deno`, `Buffer` or CommonJS globals, and the core (with its
 * dependencies) must bundle for workerd without Node built-ins.
 */
import { readdir, readFile } from "node:fs/promises";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../", import.meta.url).pathname;
const SRC = join(ROOT, "src");
const RUNTIME_DIRS = ["src/adapters/", "src/node/"];

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(path)));
    else if (/\.(ts|mts|js|mjs)$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The code of a file with comments removed and string/template text blanked (`${…}` kept). */
function codeOnly(text: string): string {
  let out = "";
  let i = 0;
  const templateDepth: number[] = []; // brace depth at which each open template's `${` began
  let braces = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && next === "/") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "/" && next === "*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
    } else if (c === '"' || c === "'") {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
      i++;
      out += '""';
    } else if (c === "`" || (c === "}" && templateDepth.length && templateDepth[templateDepth.length - 1] === braces)) {
      if (c === "}") templateDepth.pop();
      i++;
      while (i < text.length && text[i] !== "`" && !(text[i] === "$" && text[i + 1] === "{")) i += text[i] === "\\" ? 2 : 1;
      if (text[i] === "$") {
        templateDepth.push(braces);
        i += 2;
      } else i++;
      out += " ";
    } else {
      if (c === "{") braces++;
      if (c === "}") braces--;
      out += c;
      i++;
    }
  }
  return out;
}

const IMPORT_SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;
const NODE_BUILTINS = new Set(builtinModules);
const FORBIDDEN_GLOBALS = /\b(process|Deno|Buffer|require|__dirname|__filename|setImmediate)\b/g;

describe("runtime-neutral core", () => {
  it("no file under src/ outside adapters/ and node/ imports node:* or a Node built-in", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const rel = relative(ROOT, file);
      if (RUNTIME_DIRS.some((d) => rel.startsWith(d))) continue;
      const text = await readFile(file, "utf8");
      for (const m of text.matchAll(IMPORT_SPECIFIER)) {
        const spec = m[1];
        if (spec.startsWith("node:") || NODE_BUILTINS.has(spec) || NODE_BUILTINS.has(spec.split("/")[0])) offenders.push(`${rel}: imports "${spec}"`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("no file under src/ outside adapters/ and node/ touches process, Deno, Buffer or CommonJS globals", async () => {
    const offenders: string[] = [];
    for (const file of await sourceFiles(SRC)) {
      const rel = relative(ROOT, file);
      if (RUNTIME_DIRS.some((d) => rel.startsWith(d))) continue;
      const code = codeOnly(await readFile(file, "utf8"));
      code.split("\n").forEach((line, n) => {
        for (const m of line.matchAll(FORBIDDEN_GLOBALS)) {
          // `foo.process` / `{ process: … }` are property names, not the global.
          const before = line.slice(0, m.index).trimEnd();
          const after = line.slice(m.index! + m[0].length).trimStart();
          if (before.endsWith(".") || (after.startsWith(":") && !after.startsWith("::")) || after.startsWith("?:")) continue;
          offenders.push(`${rel}:${n + 1}: ${m[0]}`);
        }
      });
    }
    expect(offenders).toEqual([]);
  });

  it("the checker sees through comments and strings but not template substitutions", () => {
    expect(codeOnly('// process.env\nconst a = "process"; /* Deno */')).not.toMatch(FORBIDDEN_GLOBALS);
    expect(codeOnly("const t = `x ${process.env.A} y`;")).toMatch(/process/);
    expect(codeOnly("const t = `a ${`b ${Deno.env} c`} d`; const u = 'e';")).toMatch(/Deno/);
  });

  // The Workers adapter tracks the running task with AsyncLocalStorage, which workerd provides as
  // node:async_hooks under the nodejs_als (or nodejs_compat) flag; no other Node built-in is allowed.
  it("the core, the Workers adapter and their dependencies bundle for workerd with no Node built-in but node:async_hooks", async () => {
    const result = await build({
      external: ["node:async_hooks"],
      entryPoints: ["index.ts", "config/from-env.ts", "adapters/cloudflare.ts", "testing/index.ts"].map((p) => join(SRC, p)),
      bundle: true,
      write: false,
      outdir: "/nonexistent",
      format: "esm",
      platform: "neutral",
      conditions: ["workerd", "worker", "browser"],
      mainFields: ["module", "main"],
      logLevel: "silent",
      metafile: true,
    }).catch((err: { errors?: { text: string }[] }) => ({ failed: (err.errors ?? []).map((e) => e.text) }));
    if ("failed" in result) expect(result.failed).toEqual([]);
    else {
      const nodeInputs = Object.keys(result.metafile!.inputs).filter((p) => p.startsWith("node:") || NODE_BUILTINS.has(p));
      expect(nodeInputs).toEqual([]);
      const nodeImports = Object.entries(result.metafile!.inputs).flatMap(([file, input]) =>
        input.imports.filter((i) => i.path.startsWith("node:") || NODE_BUILTINS.has(i.path)).map((i) => `${file} -> ${i.path}`),
      );
      expect(nodeImports).toEqual(["src/adapters/cloudflare.ts -> node:async_hooks"]);
    }
  });
});
