/**
 * The layout holds: the folders of src/ import each other one way (no cycles, type-only imports
 * included), no folder holds more than 15 files directly, and no two exported things share a name.
 * The public surface holds: functions/, bench/ and the real-stack tests reach src/ only through
 * the package's entry points, which package.json and deno.json declare alike; the root exports at
 * most 25 runtime values; only `celeriac/redis-bridge` needs the optional peers (`redis`, `tsx`).
 * `npx tsx scripts/arch.ts` prints the folder graph these checks read.
 *
 * The vocabulary has single homes (STYLE.md rule 6). Every src/ file is read as literals, comments
 * stripped and strings kept (test/support/literals.ts), and each failure names file and line:
 * (a) headers: no string or template literal starting with `Upstash-` (any case) outside
 *     src/headers.ts; code writes the constants (lower-case forms via `lowerCase()`). Prose that
 *     mentions a header mid-sentence is not a name and passes.
 * (b) states: no literal exactly equal to a state word outside its home. The words are the union
 *     of Celery's states (src/states.ts) and the local broker's QStash states
 *     (src/broker/local/message/message.ts), read from those files' `export const X = "…"`; a word
 *     both spell (RETRY, SUCCESS) has both homes, and only those.
 * (c) Redis keys: src/keys.ts alone builds keys. Outside it, no literal may contain a key
 *     namespace (`celeriac:`, `celery-task-meta-`, `celery-taskset-meta-`, `chord-unlock-`); and
 *     a file that talks to Redis (imports `redis`, `@upstash/redis` or the script runner, or
 *     sends raw commands) may not glue a key inline: no template that opens with a prefix
 *     (`${p}due`, `${prefix}m:${id}`), no key segment joined with `+` (`prefix + "sch:"`).
 *     Lua is fine: keys come in through KEYS.
 */
import { readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { cycleEdges, fileImports, folderCycles, folderGraph, folderOf, relativeSpecifiers, sourceFiles } from "./support/import-graph.ts";
import { exportedWords, inlineHeaders, inlineKeys, inlineStates, type VocabularyRules } from "./support/vocabulary.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const SRC = new URL("../src/", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
  exports: Record<string, unknown>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
const deno = JSON.parse(readFileSync(new URL("../deno.json", import.meta.url), "utf8")) as { exports: Record<string, string> };

/** Folders whose code uses celeriac as a user does: only through the entry points. */
const PUBLIC_ONLY = ["functions", "bench", "test/e2e", "test/faults", "test/runtime", "test/support"];
/** The subpaths that may need an optional peer dependency at load time. */
const NEEDS_OPTIONAL_PEERS = new Set(["./redis-bridge"]);

/** The source file (relative to src/) behind a package.json or deno.json export path. */
function sourceOf(path: string): string | undefined {
  const m = /^\.\/(?:src|dist)\/(.+?)(?:\.d)?\.(?:ts|js)$/.exec(path);
  return m ? `${m[1]}.ts` : undefined;
}

/** Subpath → the source files package.json's conditions point at. */
function packageEntries(): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const visit = (subpath: string, value: unknown): void => {
    if (typeof value === "string") {
      const file = sourceOf(value);
      if (file) out.set(subpath, new Set([...(out.get(subpath) ?? []), file]));
    } else if (value && typeof value === "object") Object.values(value).forEach((v) => visit(subpath, v));
  };
  for (const [subpath, value] of Object.entries(pkg.exports)) visit(subpath, value);
  return out;
}

/** The package's entry points (the front door imports every room; nothing inside imports it). */
function entryFiles(): Set<string> {
  return new Set([...packageEntries().values()].flatMap((files) => [...files]));
}

/** Static imports and re-exports of a source text (type-only included, `import()` excluded): relative and bare specifiers. */
function staticSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(/(?:^|[\s;])(?:import|export)\b[^;()]*?\bfrom\s*["']([^"']+)["']|^import\s+["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]!);
}

/** The bare packages a src/ file needs at load time, through its static imports (depth-first over src/). */
function packagesLoadedBy(entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const visit = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const spec of staticSpecifiers(readFileSync(SRC + file, "utf8"))) {
      if (spec.startsWith(".")) visit(normalize(join(dirname(file), spec)));
      else if (!spec.startsWith("node:")) {
        const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (!found.has(name)) found.set(name, file);
      }
    }
  };
  visit(entry);
  return found;
}

describe("the layout of src/", () => {
  it("has no import cycle between folders", () => {
    const entries = entryFiles();
    expect(entries.has("index.ts")).toBe(true);
    const graph = folderGraph(fileImports(SRC), (file) => entries.has(file));
    const cycles = folderCycles(graph).map((cycle) => ({ cycle, edges: cycleEdges(graph, cycle) }));
    expect(cycles).toEqual([]);
  });

  it("keeps at most 15 source files directly in any folder", () => {
    const counts = new Map<string, number>();
    for (const file of sourceFiles(SRC)) counts.set(folderOf(file), (counts.get(folderOf(file)) ?? 0) + 1);
    const crowded = [...counts].filter(([, n]) => n > 15);
    expect(crowded).toEqual([]);
  });

  it("gives every exported name one home", () => {
    const homes = new Map<string, string[]>();
    const declaration = /^export\s+(?:declare\s+)?(?:default\s+)?(?:async\s+)?(?:abstract\s+)?(?:function\*?|class|const|let|var|interface|type|enum)\s+([A-Za-z_$][\w$]*)/gm;
    for (const file of sourceFiles(SRC)) {
      for (const m of readFileSync(SRC + file, "utf8").matchAll(declaration)) homes.set(m[1]!, [...(homes.get(m[1]!) ?? []), file]);
    }
    const shared = [...homes].filter(([, files]) => files.length > 1);
    expect(shared).toEqual([]);
  });
});

describe("the public surface", () => {
  it("is all that functions/, bench/ and the real-stack tests import from src/", () => {
    const entries = entryFiles();
    const past: string[] = [];
    for (const dir of PUBLIC_ONLY) {
      for (const file of sourceFiles(ROOT + dir)) {
        for (const spec of relativeSpecifiers(readFileSync(join(ROOT, dir, file), "utf8"))) {
          const target = relative(SRC, join(ROOT, dir, dirname(file), spec)).split("\\").join("/");
          if (!target.startsWith("..") && !entries.has(target)) past.push(`${dir}/${file} → src/${target}`);
        }
      }
    }
    expect(past).toEqual([]);
  });

  it("is declared alike in package.json and deno.json, every entry file with a @module line", () => {
    const fromPackage = Object.fromEntries([...packageEntries()].map(([subpath, files]) => [subpath, [...files]]));
    const fromDeno = Object.fromEntries(Object.entries(deno.exports).map(([subpath, path]) => [subpath, [sourceOf(path)]]));
    expect(fromPackage).toEqual(fromDeno);
    const undocumented = [...entryFiles()].filter((file) => !/^\/\*\*[\s\S]*?@module[\s\S]*?\*\//.test(readFileSync(SRC + file, "utf8")));
    expect(undocumented).toEqual([]);
  });

  it("exports at most 25 runtime values from the root", async () => {
    const root = await import("../src/index.ts");
    expect(Object.keys(root).length).toBeLessThanOrEqual(25);
  });

  it("needs the optional peer dependencies (redis, tsx) only in celeriac/redis-bridge", () => {
    const optional = Object.keys(pkg.peerDependenciesMeta ?? {}).filter((name) => pkg.peerDependenciesMeta![name]!.optional);
    expect(optional.sort()).toEqual(["redis", "tsx"]);
    const loads: string[] = [];
    for (const [subpath, files] of packageEntries()) {
      if (NEEDS_OPTIONAL_PEERS.has(subpath)) continue;
      for (const file of files) {
        for (const [name, via] of packagesLoadedBy(file)) if (optional.includes(name)) loads.push(`${subpath} loads ${name} (src/${via})`);
      }
    }
    expect(loads).toEqual([]);
  });
});

/** The homes of the state words. */
const STATE_HOMES = ["states.ts", "broker/local/message/message.ts"];

/** Each state word and the homes that spell it. */
function stateHomes(): Map<string, string[]> {
  const homes = new Map<string, string[]>();
  for (const home of STATE_HOMES) {
    for (const word of exportedWords(readFileSync(SRC + home, "utf8"))) homes.set(word, [...new Set([...(homes.get(word) ?? []), home])]);
  }
  return homes;
}

const rules: VocabularyRules = { states: stateHomes() };

/** Every violation of `check` in src/. */
function scan(check: (file: string, source: string) => string[]): string[] {
  return sourceFiles(SRC).flatMap((file) => check(file, readFileSync(SRC + file, "utf8")));
}

describe("the vocabulary of src/", () => {
  it("knows every Celery state and every QStash message state, each in its home", () => {
    const homes = Object.fromEntries(rules.states);
    for (const word of ["PENDING", "RECEIVED", "STARTED", "FAILURE", "REVOKED", "IGNORED", "REJECTED"]) expect(homes[word], word).toEqual(["states.ts"]);
    for (const word of ["CREATED", "ACTIVE", "ERROR", "DELIVERED", "FAILED", "CANCEL_REQUESTED", "CANCELED", "IN_PROGRESS", "FAIL"]) {
      expect(homes[word], word).toEqual(["broker/local/message/message.ts"]);
    }
    for (const word of ["RETRY", "SUCCESS"]) expect(homes[word], word).toEqual(STATE_HOMES);
  });

  it("writes no Upstash-* header name outside src/headers.ts", () => {
    expect(scan((file, source) => inlineHeaders(file, source))).toEqual([]);
  });

  it("writes no state string outside its home", () => {
    expect(scan((file, source) => inlineStates(file, source, rules))).toEqual([]);
  });

  it("builds no Redis key outside src/keys.ts", () => {
    expect(scan(inlineKeys)).toEqual([]);
  });

  it("catches planted violations, naming file and line, and passes what is not vocabulary", () => {
    const planted = [
      'import { createClient } from "redis";',
      'const a = headers.get("upstash-retries");',
      "const b = `Upstash-Forward-${name}`;",
      'if (meta.status === "RETRY") done();',
      'msg.state = "DELIVERED";',
      'const c = "celery-task-meta-" + id;',
      "const d = `${p}due`;",
      'const e = prefix + "sch:st:" + id;',
      "// a comment may say \"Upstash-Retries\", \"SUCCESS\" or `${p}due`",
      'const f = `invalid ${UPSTASH_CRON} "${cron}": use Upstash-Cron syntax`;',
      "const g = /\"upstash-x\"/.test(s) ? `${count}ms` : \"PROGRESS\";",
    ].join("\n");
    expect(inlineHeaders("x/planted.ts", planted)).toEqual(['src/x/planted.ts:2 "upstash-retries"', "src/x/planted.ts:3 `Upstash-Forward-${name}`"]);
    expect(inlineStates("x/planted.ts", planted, rules)).toEqual([
      'src/x/planted.ts:4 "RETRY" (home: src/states.ts, src/broker/local/message/message.ts)',
      'src/x/planted.ts:5 "DELIVERED" (home: src/broker/local/message/message.ts)',
    ]);
    expect(inlineKeys("x/planted.ts", planted)).toEqual(['src/x/planted.ts:6 "celery-task-meta-"', "src/x/planted.ts:7 `${p}due`", 'src/x/planted.ts:8 "sch:st:"']);
    expect(inlineHeaders("headers.ts", planted)).toEqual([]);
    expect(inlineStates("states.ts", 'export const RETRY = "RETRY";', rules)).toEqual([]);
    expect(inlineKeys("keys.ts", planted)).toEqual([]);
  });
});
