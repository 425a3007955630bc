/**
 * celeriac's real stack for the benchmark, with its roles spread over processes by a topology
 * string: process groups separated by `,`, roles inside a group joined by `+`; the group with
 * `client` is this process. Examples:
 * - `client+broker+bridge+worker`: everything in this process;
 * - `client+broker,worker+bridge`: the worker and the bridge in one child process.
 *
 * The client is direct mode, the production path: the broker client of the chosen parts
 * publishing to the local broker over HTTP, results read through `RedisBackend` →
 * `@upstash/redis` → the bridge.
 * @module
 */
import { fileURLToPath } from "node:url";
import type { CommandCounts, RedisBackend } from "../../src/backend/redis/index.ts";
import { type Client, createClient } from "../../src/index.ts";
import { type Child, startChild } from "../lib/child.ts";
import { startProfile, stopProfile } from "../lib/cpu-profile.ts";
import { BENCH_TASKS } from "./tasks.ts";
import { type Endpoints, type HostedRoles, type Role, type RoleSettings, benchBackend, benchBroker, startRoles } from "./roles.ts";

const ROLE_CHILD = fileURLToPath(new URL("./role-child.ts", import.meta.url));
const ROLES = new Set(["client", "bridge", "broker", "worker"]);

/** One process of the topology. */
interface Group {
  roles: Role[];
  /** True for this process (the group with `client`). */
  main: boolean;
  child?: Child;
}

/** The running stack. */
export interface CeleriacStack {
  client: Client;
  /** The client's backend (its counter holds the client's billed commands: result reads). */
  clientBackend: RedisBackend;
  /** The topology actually running, e.g. `client+broker | worker+bridge`. */
  topology: string;
  /** Processes used (this one included). */
  processes: number;
  /** Where the bridge, broker and worker answer. */
  endpoints: Endpoints;
  /** The worker's billed-command counter snapshot (wherever it runs). */
  workerCommands(): Promise<CommandCounts>;
  /** Reset the client's and the worker's counters. */
  resetCommands(): Promise<void>;
  /** Deliveries the worker answered 200 since it started. */
  delivered(): Promise<number>;
  /** Profile every process of the stack until `stopProfiles`. */
  startProfiles(): Promise<void>;
  /** Write one `.cpuprofile` per process as `<dir>/<roles>.cpuprofile`; answers the files. */
  stopProfiles(dir: string): Promise<string[]>;
  close(): Promise<void>;
}

/** Parse a topology string into process groups (validated: each role exactly once, `client` present). */
export function parseTopology(spec: string): Group[] {
  const groups = spec.split(",").map((g) => g.split("+").map((r) => r.trim()).filter(Boolean));
  const seen = groups.flat();
  for (const r of seen) if (!ROLES.has(r)) throw new Error(`Unknown role "${r}" in topology "${spec}": use client, broker, bridge, worker.`);
  for (const r of ROLES) {
    if (seen.filter((x) => x === r).length !== 1) throw new Error(`Topology "${spec}" must name "${r}" exactly once.`);
  }
  return groups.map((g) => ({ main: g.includes("client"), roles: g.filter((r) => r !== "client") as Role[] }));
}

/** What a group needs from other processes before it can start. */
function needs(group: Group): Role[] {
  const own = new Set(group.roles);
  const need: Role[] = [];
  if (own.has("worker")) for (const r of ["bridge", "broker"] as const) if (!own.has(r)) need.push(r);
  return need;
}

function has(endpoints: Endpoints, role: Role): boolean {
  return role === "bridge" ? Boolean(endpoints.bridgeUrl) : role === "broker" ? Boolean(endpoints.brokerUrl) : Boolean(endpoints.workerUrl);
}

/** Start the stack with `topology`. */
export async function startCeleriacStack(topology: string, settings: RoleSettings): Promise<CeleriacStack> {
  const groups = parseTopology(topology);
  let endpoints: Endpoints = {};
  let mainRoles: HostedRoles | undefined;
  const pending = [...groups];
  try {
    while (pending.length) {
      const i = pending.findIndex((g) => needs(g).every((r) => has(endpoints, r)));
      if (i < 0) throw new Error(`Topology "${topology}" cannot start: a worker needs the bridge and the broker.`);
      const [group] = pending.splice(i, 1);
      if (group.main) {
        mainRoles = await startRoles(group.roles, settings, endpoints);
        endpoints = { ...endpoints, ...mainRoles.endpoints };
      } else {
        group.child = startChild(ROLE_CHILD, { roles: group.roles, settings, endpoints });
        endpoints = { ...endpoints, ...(await group.child.call<Endpoints>("endpoints")) };
      }
    }
  } catch (err) {
    await Promise.allSettled(groups.map((g) => g.child?.stop()));
    await mainRoles?.close();
    throw err;
  }
  const workerGroup = groups.find((g) => g.roles.includes("worker"))!;
  const clientBackend = benchBackend(settings, endpoints);
  const client = createClient({
    broker: benchBroker(settings, endpoints),
    backend: clientBackend,
    workerUrl: endpoints.workerUrl!,
    tasks: BENCH_TASKS,
    setAsCurrent: false,
  });
  const label = (g: Group) => (g.main ? ["client", ...g.roles] : g.roles).join("+");
  return {
    client,
    clientBackend,
    topology: groups.map(label).join(" | "),
    processes: groups.length,
    endpoints,
    async workerCommands() {
      if (workerGroup.main) return mainRoles!.workerCommands()!;
      return (await workerGroup.child!.call<CommandCounts>("workerCommands"))!;
    },
    async resetCommands() {
      clientBackend.commands.reset();
      if (workerGroup.main) mainRoles!.resetWorkerCommands();
      else await workerGroup.child!.call("resetWorkerCommands");
    },
    async delivered() {
      return workerGroup.main ? mainRoles!.delivered() : await workerGroup.child!.call<number>("delivered");
    },
    async startProfiles() {
      await Promise.all(groups.map((g) => (g.main ? startProfile() : g.child!.call("profileStart"))));
    },
    async stopProfiles(dir: string) {
      return await Promise.all(groups.map(async (g) => {
        const file = `${dir}/${label(g)}.cpuprofile`;
        if (g.main) await stopProfile(file);
        else await g.child!.call("profileStop", file);
        return file;
      }));
    },
    async close() {
      await Promise.allSettled(groups.map((g) => g.child?.stop()));
      await mainRoles?.close();
    },
  };
}
