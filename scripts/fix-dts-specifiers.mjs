// tsc (5.7+, and 7.0) rewrites relative ".ts" specifiers to ".js" in emitted JS
// (rewriteRelativeImportExtensions) but NOT in emitted .d.ts (microsoft/TypeScript#61037).
// Rewrite them here. ".ts" -> ".js" keeps every column, so the .d.ts.map stays exact.
// Only specifiers whose target declaration exists in dist are touched (JSDoc examples are left alone).
import { readdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

const root = resolve(process.argv[2] ?? "dist");
const SPEC = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.{1,2}\/[^"'\n]*?)\.ts\2/g;
let files = 0, specs = 0;
for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith(".d.ts")) continue;
  const file = join(entry.parentPath ?? entry.path, entry.name);
  const text = await readFile(file, "utf8");
  let n = 0;
  const out = text.replace(SPEC, (all, lead, q, base) => {
    if (!existsSync(resolve(dirname(file), `${base}.d.ts`))) return all;
    n++;
    return `${lead}${q}${base}.js${q}`;
  });
  if (n > 0) { files++; specs += n; await writeFile(file, out); }
}
console.log(`fix-dts-specifiers: ${specs} specifiers in ${files} files`);
