/**
 * With FAULT_MEMORY_SAMPLE_MS set, the process prints `mem <process.memoryUsage() JSON>` on stdout
 * that often, so the soak benchmark can tell a growing JavaScript heap (a leak) from resident
 * memory the runtime keeps (`Proc.memory()` reads the latest line).
 * @module
 */
const everyMs = Number(process.env.FAULT_MEMORY_SAMPLE_MS ?? 0);
if (everyMs > 0) setInterval(() => process.stdout.write(`mem ${JSON.stringify(process.memoryUsage())}\n`), everyMs).unref();
