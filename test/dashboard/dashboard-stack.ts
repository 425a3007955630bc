/**
 * The dashboard on the real stack: the local broker over HTTP, the worker over HTTP with
 * `dashboard()` mounted, results in real Redis through the REST bridge (memory when no Redis),
 * and tasks whose progress, retries and failures the test drives through gates (no sleeps).
 */
import { z } from "zod";
import { dashboard, type DashboardOptions } from "../../src/dashboard/index.ts";
import { schedule } from "../../src/schedule/schedule.ts";
import { task } from "../../src/task/task.ts";
import type { AnyTask } from "../../src/task/task.ts";
import { startStack, type Stack } from "../support/stack.ts";

/** A promise the test resolves to let a task go on. */
export class Gate {
  #open!: () => void;
  readonly opened = new Promise<void>((r) => (this.#open = r));
  open(): void {
    this.#open();
  }
}

/** What the test tasks wait on and read. */
export interface Knobs {
  /** Per step of `dash_progress`: the task reports step i, then waits for gate i. */
  steps: Gate[];
  /** `dash_replayable` fails while this is true. */
  failing: boolean;
  /** `dash_progress` waits on this before its retried attempt starts working. */
  retryGate: Gate;
}

export function testTasks(knobs: Knobs, sendChild: (parentId: string, i: number) => Promise<unknown>): AnyTask[] {
  const progress = task({
    name: "dash_progress",
    description: "Fails its first attempt (retry in `retryIn` s), then reports progress step by step.",
    input: z.object({ steps: z.number().int().min(1).max(10).default(3), retryIn: z.number().min(0).default(0), label: z.string().optional() }),
  }, async ({ steps, retryIn }, ctx) => {
    if (ctx.request.retries === 0) {
      await ctx.retry({ countdown: retryIn, exc: new Error("warming up: the first attempt always retries") });
    }
    await knobs.retryGate.opened;
    for (let i = 1; i <= steps; i++) {
      await ctx.updateState("PROGRESS", { current: i, total: steps });
      await (knobs.steps[i - 1]?.opened ?? Promise.resolve());
    }
    return { steps };
  });
  const replayable = task({
    name: "dash_replayable",
    input: z.object({ order: z.string() }),
  }, ({ order }) => {
    if (knobs.failing) throw new TypeError(`card declined for ${order}`);
    return { charged: order };
  });
  const echo = task({ name: "dash_echo", input: z.object({ text: z.string(), n: z.number().int().min(0) }) }, ({ text }) => text);
  const parent = task({ name: "dash_parent", input: z.object({ children: z.number().int() }) }, async ({ children }, ctx) => {
    for (let i = 0; i < children; i++) await sendChild(ctx.request.id, i);
    return children;
  });
  return [progress, replayable, echo, parent];
}

/** A schedule of `dash_echo`, every 10 minutes in Berlin. */
export const echoSchedule = schedule({ name: "dash_echo_every_10m", cron: "*/10 * * * *", tz: "Europe/Berlin", task: "dash_echo", input: { text: "tick", n: 0 }, overlap: "skip" });

export interface DashboardStack extends Stack {
  knobs: Knobs;
  base: string;
  /** Absolute URL of a dashboard path. */
  url(path: string): string;
  /** Sign in with the API token: the session cookie (`name=value`). */
  signIn(): Promise<string>;
  /** GET a dashboard path with the session cookie. */
  get(path: string, cookie: string): Promise<Response>;
  /** POST a form from the dashboard's own origin with the session cookie. */
  post(path: string, cookie: string, form?: Record<string, string>): Promise<Response>;
}

export async function startDashboardStack(o: { backend?: "memory" | "redis"; dashboard?: DashboardOptions; knobs?: Partial<Knobs> } = {}): Promise<DashboardStack> {
  const knobs: Knobs = { steps: [], failing: true, retryGate: new Gate(), ...o.knobs };
  if (!o.knobs?.retryGate) knobs.retryGate.open();
  // dash_parent's children: sent through the stack's client with the parent's id.
  let stack!: Stack;
  const tasks = testTasks(knobs, (parentId, i) => stack.client.send("dash_echo", { text: `child ${i}`, n: i }, { parentId }));
  stack = await startStack({
    tasks,
    backend: o.backend ?? "redis",
    broker: { retryDelayScale: 0.001 },
    worker: { dashboard: dashboard({ refreshMs: 200, ...o.dashboard }), schedules: [echoSchedule] },
  });
  const base = "/dashboard";
  const url = (path: string) => `${stack.workerUrl}${base}${path}`;
  const origin = new URL(stack.workerUrl).origin;
  return {
    ...stack,
    knobs,
    base,
    url,
    async signIn() {
      const res = await fetch(url("/sign-in"), {
        method: "POST", redirect: "manual",
        headers: { origin, "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: stack.apiToken }),
      });
      if (res.status !== 303) throw new Error(`sign-in answered ${res.status}: ${await res.text()}`);
      return res.headers.get("set-cookie")!.split(";")[0];
    },
    get: (path, cookie) => fetch(url(path), { headers: { cookie }, redirect: "manual" }),
    post: (path, cookie, form = {}) =>
      fetch(url(path), {
        method: "POST", redirect: "manual",
        headers: { cookie, origin, "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(form),
      }),
  };
}
