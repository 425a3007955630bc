/**
 * The structure drawn from the code's own imports: every relative import (type-only ones too) of
 * every source file under a root, folded into a graph of folders, and the folder cycles in it.
 * Used by test/architecture.test.ts and by `npm run arch` (scripts/arch.ts) to print the picture.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

/** One import edge between two files, relative to the root. */
export interface FileImport {
  from: string;
  to: string;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\b[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|^import\s+["'](\.{1,2}\/[^"']+)["']/gm;

/** Every `.ts` file under `dir`, relative to `root`. */
export function sourceFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = dir ? `${dir}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...sourceFiles(root, path));
    else if (entry.name.endsWith(".ts")) out.push(path);
  }
  return out.sort();
}

/** The relative specifiers (`./x.ts`, `../y/z.ts`) a source text imports or re-exports, type-only and dynamic ones included; comments skipped. */
export function relativeSpecifiers(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return [...code.matchAll(SPECIFIER)].map((m) => m[1] ?? m[2] ?? m[3]!);
}

/** The relative imports of each file under `root`. */
export function fileImports(root: string): FileImport[] {
  const edges: FileImport[] = [];
  for (const from of sourceFiles(root)) {
    for (const spec of relativeSpecifiers(readFileSync(join(root, from), "utf8"))) {
      edges.push({ from, to: normalize(join(dirname(from), spec)).split("\\").join("/") });
    }
  }
  return edges;
}

/** The folder of a file relative to the root (`"."` for the root itself). */
export function folderOf(file: string): string {
  const d = dirname(file);
  return d === "" ? "." : d;
}

/** Folder → the folders its files import (self excluded), with the file pairs behind each edge. */
export function folderGraph(edges: readonly FileImport[], exclude: (file: string) => boolean = () => false): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const { from, to } of edges) {
    if (exclude(from)) continue;
    const a = folderOf(from);
    const b = folderOf(to);
    if (!graph.has(a)) graph.set(a, new Map());
    if (!graph.has(b)) graph.set(b, new Map());
    if (a === b) continue;
    const targets = graph.get(a)!;
    targets.set(b, [...(targets.get(b) ?? []), `${relative(a, from)} → ${to}`]);
  }
  return graph;
}

/** The strongly connected components with more than one folder: each is a cycle between folders. */
export function folderCycles(graph: Map<string, Map<string, string[]>>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (v: string): void => {
    indices.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v)?.keys() ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, indices.get(w)!));
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!indices.has(v)) visit(v);
  return cycles;
}

/** For a cycle, the edges between its folders, to say which imports close it. */
export function cycleEdges(graph: Map<string, Map<string, string[]>>, cycle: readonly string[]): string[] {
  const members = new Set(cycle);
  const out: string[] = [];
  for (const a of cycle) {
    for (const [b, via] of graph.get(a) ?? []) if (members.has(b)) out.push(`${a} → ${b}: ${via.join(", ")}`);
  }
  return out;
}
