/**
 * Print the folder graph of src/ drawn from the code's own imports (what test/architecture.test.ts
 * checks): each folder, the folders it imports, and any cycle. `npx tsx scripts/arch.ts`.
 */
import { cycleEdges, fileImports, folderCycles, folderGraph } from "../test/support/import-graph.ts";

const SRC = new URL("../src/", import.meta.url).pathname;
const graph = folderGraph(fileImports(SRC), (file) => file === "index.ts" || file.startsWith("adapters/") || file === "testing/index.ts");
for (const [folder, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
  console.log(`${folder.padEnd(28)} → ${[...targets.keys()].sort().join(", ") || "(nothing)"}`);
}
const cycles = folderCycles(graph);
for (const cycle of cycles) console.log(`\ncycle: ${cycle.join(" ⇄ ")}\n  ${cycleEdges(graph, cycle).join("\n  ")}`);
if (!cycles.length) console.log("\nno cycles between folders");
