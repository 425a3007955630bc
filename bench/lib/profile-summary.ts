/**
 * Summarize V8 `.cpuprofile` files: top self-time functions, and self time grouped into the
 * stages of a task's path (client, broker, HTTP, signature check, execution, Redis client,
 * bridge…). A sample is charged to the innermost frame on its stack that belongs to a known
 * stage; frames of Node's generic internals (streams, events, buffers) are transparent, so e.g.
 * `JSON.parse` called by the bridge is charged to the bridge. Samples whose whole stack is Node
 * internals (socket reads, HTTP parsing of a response) are charged by their innermost module.
 *
 * CLI: `node --import tsx bench/lib/profile-summary.ts <file.cpuprofile>… [--top 25] [--per <tasks>]`
 * @module
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { fileURLToPath } from "node:url";

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  parent?: number;
  children?: number[];
}
/** The `.cpuprofile` JSON. */
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Stages, first match wins (checked against the frame's URL; `SIGNATURE_FNS` first for @upstash/qstash). */
const STAGES: [string, RegExp][] = [
  ["fetch (undici: @upstash/* clients' HTTP)", /node:internal\/deps\/undici|undici/],
  ["@upstash/qstash client (publish)", /@upstash\/qstash\//],
  ["@upstash/redis client", /@upstash\/redis/],
  ["signatures (Receiver, jose, src/verify)", /\/jose\/|src\/verify\//],
  ["socket HTTP client (src/node/http/socket-client.ts, http1-wire.ts, node-fetch.ts: deliveries, publishes, requests to the bridge)", /src\/node\/http\/(socket-client|http1-wire|node-fetch)/],
  ["Node requester (src/node/http/upstash-requester.ts)", /src\/node\/http\/upstash-requester/],
  ["local broker", /src\/broker\/local\/|src\/node\/broker\//],
  ["Redis REST bridge", /src\/node\/redis-bridge\//],
  ["node-redis (celeriac: bridge → redis-server; BullMQ: its connection)", /@redis\/|\/redis\/dist/],
  ["worker app (src/worker)", /src\/worker\//],
  ["execution (src/execution, src/task, zod)", /src\/execution\/|src\/task\/|\/zod\/|functions\/tasks\//],
  ["backend (src/backend)", /src\/backend\//],
  ["client (src/client, src/broker/qstash.ts)", /src\/client\/|src\/broker\/qstash/],
  ["Hono + @hono/node-server", /\/hono\/|@hono\/node-server/],
  ["BullMQ + ioredis", /bullmq|ioredis/],
  ["node:http fetch (diagnostic transport, bench/lib/node-fetch.ts)", /bench\/lib\/node-fetch/],
  ["benchmark driver", /\/bench\//],
];

const TRANSPARENT = /^node:internal\/(streams|webstreams|event_target|events|util|buffer|process\/task_queues|async_hooks|timers|abort_controller|worker\/js_transferable|errors|validators|url|encoding|per_context)|^node:(events|buffer|stream|util|timers|url)$/;

/** The official Receiver's functions inside the @upstash/qstash bundle: signature checking, not publishing. */
const SIGNATURE_FNS = /^(verify\w*|sha256Base64url|Receiver)$/;
const SIGNATURE_STAGE = "signatures (Receiver, jose, src/verify)";

function stageOf(frame: CallFrame): string | undefined {
  if (/@upstash\/qstash\//.test(frame.url) && SIGNATURE_FNS.test(frame.functionName)) return SIGNATURE_STAGE;
  for (const [stage, re] of STAGES) if (re.test(frame.url)) return stage;
  return undefined;
}

function fallback(frame: CallFrame): string {
  if (frame.url === "") {
    if (frame.functionName === "(garbage collector)") return "GC";
    if (frame.functionName === "(idle)") return "(idle)";
    if (frame.functionName === "(program)") return "(program: V8/native, unattributed)";
    return `native: ${frame.functionName || "(anonymous)"}`;
  }
  const m = /^node:(?:internal\/)?([a-z_]+)/.exec(frame.url);
  if (m) {
    const mod = m[1].replace(/^_/, "");
    if (/^http|^net$|^stream_base_commons|^tcp|^dns/.test(mod)) return "Node http/net (unattributed)";
    if (/^crypto/.test(mod)) return "Node crypto (unattributed)";
    return `Node ${mod} (unattributed)`;
  }
  return "other";
}

/** Per-stage and per-function self time of one profile. */
export interface ProfileSummary {
  file: string;
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Non-idle time, ms. */
  busyMs: number;
  stages: { stage: string; ms: number; share: number }[];
  functions: { fn: string; ms: number; share: number }[];
}

/** Summarize one profile. */
export function summarize(profile: CpuProfile, file = ""): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  for (const n of profile.nodes) byId.set(n.id, n);
  for (const n of profile.nodes) for (const c of n.children ?? []) byId.get(c)!.parent = n.id;
  const selfUs = new Map<number, number>();
  let totalUs = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const d = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
    selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + d);
    totalUs += d;
  }
  const stageUs = new Map<string, number>();
  const fnUs = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const leaf = byId.get(id)!;
    if (leaf.callFrame.functionName === "(idle)") idleUs += us;
    const where = leaf.callFrame.url.replace(/^file:\/\//, "").replace(/^.*\/node_modules\//, "").replace(/^.*\/work\/main\//, "");
    const fn = `${leaf.callFrame.functionName || "(anonymous)"} ${where ? `${where}:${leaf.callFrame.lineNumber + 1}` : ""}`.trim();
    fnUs.set(fn, (fnUs.get(fn) ?? 0) + us);
    let stage: string | undefined;
    let firstInternal: CallFrame | undefined;
    for (let n: ProfileNode | undefined = leaf; n; n = n.parent === undefined ? undefined : byId.get(n.parent)) {
      stage = stageOf(n.callFrame);
      if (stage) break;
      if (!firstInternal && !TRANSPARENT.test(n.callFrame.url)) firstInternal = n.callFrame;
    }
    stage ??= fallback(firstInternal ?? leaf.callFrame);
    stageUs.set(stage, (stageUs.get(stage) ?? 0) + us);
  }
  const busyUs = totalUs - idleUs;
  const rank = <K extends string>(m: Map<string, number>, key: K) =>
    [...m].filter(([k]) => k !== "(idle)" && !k.startsWith("(idle)")).sort((a, b) => b[1] - a[1])
      .map(([k, us]) => ({ [key]: k, ms: us / 1000, share: busyUs ? us / busyUs : 0 }) as { [P in K]: string } & { ms: number; share: number });
  return { file, totalMs: totalUs / 1000, busyMs: busyUs / 1000, stages: rank(stageUs, "stage"), functions: rank(fnUs, "fn") };
}

/** A printable report: stages and top functions, with µs per task when `tasks` is given. */
export function formatSummary(s: ProfileSummary, top = 25, tasks?: number): string {
  const per = (ms: number) => (tasks ? `${((ms * 1000) / tasks).toFixed(1).padStart(7)} µs/task` : "");
  const lines = [`== ${basename(s.file)}: busy ${s.busyMs.toFixed(0)} ms of ${s.totalMs.toFixed(0)} ms${tasks ? ` (${((s.busyMs * 1000) / tasks).toFixed(0)} µs CPU per task)` : ""}`];
  lines.push("  by stage (self time, share of busy):");
  for (const x of s.stages.slice(0, 16)) lines.push(`    ${(x.share * 100).toFixed(1).padStart(5)}%  ${per(x.ms)}  ${x.stage}`);
  lines.push(`  top ${top} functions by self time:`);
  for (const x of s.functions.slice(0, top)) lines.push(`    ${(x.share * 100).toFixed(1).padStart(5)}%  ${per(x.ms)}  ${x.fn}`);
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const opt = (name: string) => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const [, v] = args.splice(i, 2);
    return Number(v);
  };
  const top = opt("--top") ?? 25;
  const tasks = opt("--per");
  for (const file of args) console.log(formatSummary(summarize(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, file), top, tasks));
}
