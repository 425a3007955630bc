/**
 * The layout holds: the folders of src/ import each other one way (no cycles, type-only imports
 * included), no folder holds more than 15 files directly, and no two exported things share a name.
 * `npx tsx scripts/arch.ts` prints the folder graph these checks read.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { cycleEdges, fileImports, folderCycles, folderGraph, folderOf, sourceFiles } from "./support/import-graph.ts";

const SRC = new URL("../src/", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { exports: Record<string, unknown> };

/** The package's entry points (the front door imports every room; nothing inside imports it). */
function entryFiles(): Set<string> {
  const out = new Set<string>();
  const visit = (value: unknown): void => {
    if (typeof value === "string") {
      const m = /^\.\/(?:src|dist)\/(.+)\.(?:ts|js|d\.ts)$/.exec(value);
      if (m) out.add(`${m[1]}.ts`);
    } else if (value && typeof value === "object") Object.values(value).forEach(visit);
  };
  visit(pkg.exports);
  return out;
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
