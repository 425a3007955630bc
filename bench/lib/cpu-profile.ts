/**
 * Start and stop a V8 CPU profile of this process from code (node:inspector), so a profile
 * covers exactly a measurement window rather than startup and module compilation. The file is
 * the same `.cpuprofile` JSON `node --cpu-prof` writes.
 * @module
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { Session } from "node:inspector/promises";

let session: Session | undefined;

/** Start profiling this process, sampling every `intervalUs` µs. */
export async function startProfile(intervalUs = 500): Promise<void> {
  session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: intervalUs });
  await session.post("Profiler.start");
}

/** Stop profiling and write the profile to `file`. */
export async function stopProfile(file: string): Promise<void> {
  if (!session) throw new Error("stopProfile() without startProfile()");
  const { profile } = await session.post("Profiler.stop");
  session.disconnect();
  session = undefined;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(profile));
}
