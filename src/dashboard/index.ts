/**
 * `celeriac/dashboard`: the operations dashboard, served by the worker itself. Opt in with one
 * option; nothing of it is bundled otherwise.
 *
 * @example
 * import { createCloudflareWorker } from "celeriac/cloudflare";
 * import { dashboard } from "celeriac/dashboard";
 * export default createCloudflareWorker({ tasks, dashboard: dashboard() }); // → <worker>/dashboard
 * @module
 */
import { type Duration, toMs } from "../duration.ts";
import { ConfigError } from "../errors.ts";
import type { WorkerExtension } from "../worker/create-worker.ts";
import { createDashboardApp, type DashboardSettings } from "./app.ts";

/** Options of {@link dashboard}. */
export interface DashboardOptions {
  /** Where it is served in the worker app. Default `"/dashboard"`. */
  path?: string | undefined;
  /** How often open pages refresh their live parts, ms. Default 2000. */
  refreshMs?: number | undefined;
  /** How long a sign-in lasts (`"12h"`, or seconds). Default 12 hours. */
  sessionTtl?: Duration | undefined;
  /**
   * Let requests addressed to a loopback host (`127.0.0.1`, `localhost`, `[::1]`) read without
   * signing in; changes still need the token. Only for servers that listen on loopback alone
   * (`celeriac dev` sets it then): anywhere else a `Host` header is easy to forge. Default false.
   */
  loopbackReads?: boolean | undefined;
  /** Broker log entries read for the task list, one broker call. Default 1000 (QStash's maximum per call). */
  scanEntries?: number | undefined;
  /** Broker log entries read for the last hour's figures, in calls of 1000. Default 5000. */
  figuresEntries?: number | undefined;
}

/**
 * The dashboard, to pass to the worker: `createWorker({ tasks, …, dashboard: dashboard() })` (every
 * adapter passes it through). It needs the worker's API token (`CELERIAC_API_TOKEN`) to sign in.
 */
export function dashboard(options: DashboardOptions = {}): WorkerExtension {
  const path = (options.path ?? "/dashboard").replace(/\/+$/, "");
  if (!/^\/[\w./-]*$/.test(path) || path === "" || path === "/api" || path === "/tasks" || path === "/schedules") {
    throw new ConfigError(`dashboard({ path }) must be a path of its own such as "/dashboard", got ${JSON.stringify(options.path)}.`);
  }
  const settings: DashboardSettings = {
    path,
    refreshMs: Math.max(100, options.refreshMs ?? 2000),
    sessionTtlMs: toMs(options.sessionTtl ?? "12h"),
    loopbackReads: options.loopbackReads ?? false,
    scanEntries: Math.min(1000, Math.max(1, options.scanEntries ?? 1000)),
    figuresEntries: Math.max(1, options.figuresEntries ?? 5000),
  };
  return {
    mount(app, context) {
      app.route(path, createDashboardApp(context, settings));
    },
  };
}
