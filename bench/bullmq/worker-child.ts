/**
 * Child-process entry running BullMQ's worker (see `worker.ts`). argv[2]: `{ redisUrl, concurrency, http }`.
 * Calls: `ready`, `completed`, `profileStart`, `profileStop`, `close`.
 * @module
 */
import { serveCalls } from "../lib/child.ts";
import { startProfile, stopProfile } from "../lib/cpu-profile.ts";
import { type HttpClient, startBullWorker } from "./worker.ts";

const o = JSON.parse(process.argv[2]) as { redisUrl: string; concurrency: number; http: HttpClient | false };
const starting = startBullWorker(o.redisUrl, o.concurrency, o.http);

serveCalls(async (op, arg) => {
  const worker = await starting;
  switch (op) {
    case "ready":
      return true;
    case "completed":
      return worker.completed();
    case "profileStart":
      return startProfile();
    case "profileStop":
      return stopProfile(arg as string);
    default:
      throw new Error(`unknown call ${op}`);
  }
}, async () => (await starting).close());
