/**
 * How the operating commands (`call`, `result`, `revoke`, `inspect`, `dlq`, `purge`, `events`)
 * reach a worker: its URL and API token from `--url` / `--token` or `CELERIAC_URL` /
 * `CELERIAC_API_TOKEN`, JSON over `fetch`, and every failure as one line (unreachable, 401, the
 * worker's own error message). The worker's core API (`/api`) publishes, reads results and lists
 * the registered tasks; the dashboard's JSON API (`<dashboard path>/api`, there when the worker
 * opts into `dashboard()`) reads the broker's log, DLQ, queues and schedules and acts on them,
 * with the same model the dashboard's pages use. Also the text helpers those commands share.
 * @module
 */
import { WorkerApiError, UsageError } from "../../errors.ts";

/** The options every operating command takes (for `parseCommandLine`). */
export const CONNECTION_OPTIONS = {
  url: { type: "string" },
  token: { type: "string" },
  "dashboard-path": { type: "string" },
  json: { type: "boolean", default: false },
} as const;

/** The `--help` lines of {@link CONNECTION_OPTIONS}. */
export const CONNECTION_USAGE = `Connection (every command):
  --url <url>               the worker (default: $CELERIAC_URL), e.g. http://127.0.0.1:8787
  --token <t>               its API token (default: $CELERIAC_API_TOKEN)
  --dashboard-path <path>   where the worker serves dashboard() (default: $CELERIAC_DASHBOARD_PATH or /dashboard)
  --json                    print JSON for scripts instead of text`;

/** What the operating commands read and write; the process's by default, injectable for tests. */
export interface OpsIo {
  env: Record<string, string | undefined>;
  out: (text: string) => void;
  err: (text: string) => void;
  /** True when stderr is a terminal: progress redraws one line instead of printing one per change. */
  tty: boolean;
  /** Asks a yes/no question on the terminal; undefined when there is none to ask on. */
  confirm?: (question: string) => Promise<boolean>;
  fetch?: typeof fetch;
}

/** The process's streams, environment and terminal. */
export const processOpsIo = (): OpsIo => ({
  env: process.env,
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  tty: !!process.stderr.isTTY,
  ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
});

/** Asks `question` on the terminal; true for y or yes. */
async function askOnTerminal(question: string): Promise<boolean> {
  const { createInterface } = await import("node:readline/promises");
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

/** The one positional argument `what` (a task name, an id); a `UsageError` saying `hint` when it is missing. */
export function onePositional(positionals: readonly string[], what: string, hint: string): string {
  if (positionals.length === 0) throw new UsageError(`name the ${what}: ${hint}`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  return positionals[0]!;
}

/** Per-request deadline: a worker that does not answer within it is reported, not waited on forever. */
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * Whether `error` is a 404 for a route the worker does not serve (its JSON 404 with code NoRoute, or
 * a 404 with no error of the API's own), as opposed to a 404 about a thing (no such DLQ entry).
 */
export function isNoRoute(error: unknown): boolean {
  if (!(error instanceof WorkerApiError) || error.status !== 404) return false;
  const body = error.body as { error?: unknown; code?: unknown } | undefined;
  return body?.error === undefined || body.code === "NoRoute";
}

/** A worker's HTTP API, as the CLI calls it. */
export class WorkerClient {
  readonly #fetch: typeof fetch;

  constructor(readonly url: string, readonly token: string | undefined, readonly dashboardPath: string, fetchFn: typeof fetch = fetch) {
    this.#fetch = fetchFn;
  }

  /** The client for the parsed connection options and the environment. */
  static from(values: { url?: string | undefined; token?: string | undefined; "dashboard-path"?: string | undefined }, env: OpsIo["env"], fetchFn?: typeof fetch): WorkerClient {
    const url = (values.url ?? env.CELERIAC_URL ?? "").trim();
    if (!url) throw new UsageError("no worker to talk to: set CELERIAC_URL to the worker's URL (e.g. http://127.0.0.1:8787, what celeriac dev prints) or pass --url");
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`${values.url === undefined ? "CELERIAC_URL" : "--url"} must be an http:// or https:// URL such as http://127.0.0.1:8787, not "${url}"`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new UsageError(`${values.url === undefined ? "CELERIAC_URL" : "--url"} must be an http:// or https:// URL, not "${url}"`);
    const path = (values["dashboard-path"] ?? env.CELERIAC_DASHBOARD_PATH ?? "/dashboard").replace(/\/+$/, "");
    if (!path.startsWith("/")) throw new UsageError(`--dashboard-path must start with "/", such as /dashboard, not "${path}"`);
    const token = values.token ?? env.CELERIAC_API_TOKEN ?? undefined;
    // A token goes in an Authorization header: spaces and control characters cannot travel there.
    if (token !== undefined && !/^[\x21-\x7e]*$/.test(token)) {
      throw new UsageError(`${values.token === undefined ? "CELERIAC_API_TOKEN" : "--token"} must be the worker's API token alone (printable characters, no spaces), as celeriac dev prints it`);
    }
    return new WorkerClient(parsed.toString().replace(/\/+$/, ""), token, path, fetchFn);
  }

  /** Calls the worker's core API (`/api<path>`); resolves the JSON body of a 2xx answer, throws a one-line error otherwise. */
  api<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, `/api${path}`, body, "core");
  }

  /** Calls the dashboard's JSON API (`<dashboard path>/api<path>`). */
  dashboard<T>(method: string, path: string, body?: unknown): Promise<T> {
    return this.#call<T>(method, `${this.dashboardPath}/api${path}`, body, "dashboard");
  }

  async #call<T>(method: string, path: string, body: unknown, kind: "core" | "dashboard"): Promise<T> {
    const target = `${this.url}${path}`;
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.#fetch(target, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), redirect: "manual" });
    } catch (cause) {
      throw new WorkerApiError(`cannot reach the worker at ${this.url} (${reason(cause)}): is it running? Check CELERIAC_URL or --url`, { cause });
    }
    const text = await res.text().catch(() => "");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (res.ok && json !== undefined) return json as T;
    const message = (json as { error?: unknown } | undefined)?.error;
    const said = typeof message === "string" ? message.replace(/\.$/, "") : undefined;
    if (res.status === 401) {
      throw new WorkerApiError(`the worker refused the API token (401${said ? `: ${said}` : ""}). ${this.token ? "Set" : "No token was given: set"} CELERIAC_API_TOKEN or pass --token with the worker's token`, { status: 401, body: json });
    }
    // 404 without an error of the API's own, or the worker's "no such route" (code NoRoute).
    if (res.status === 404 && (said === undefined || (json as { code?: unknown }).code === "NoRoute")) {
      throw new WorkerApiError(kind === "dashboard"
        ? `the worker at ${this.url} serves no dashboard API at ${this.dashboardPath}/api: this command reads the broker through dashboard() (celeriac/dashboard); enable it on the worker, or pass --dashboard-path`
        : `${this.url} answered 404 for ${path}: is it a celeriac worker? Check CELERIAC_URL or --url`, { status: 404, body: json });
    }
    if (said !== undefined) throw new WorkerApiError(said, { status: res.status, body: json });
    if (res.ok) throw new WorkerApiError(`${this.url} answered ${path} with something other than JSON: is it a celeriac worker? Check CELERIAC_URL or --url`, { status: res.status });
    throw new WorkerApiError(`the worker answered ${res.status} ${res.statusText} for ${method} ${path}${text ? `: ${text.slice(0, 200)}` : ""}`, { status: res.status, body: json });
  }
}

/** Why a fetch failed, in a few words (`ECONNREFUSED 127.0.0.1:1`, `timed out after 30 s`). */
function reason(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string; address?: string; port?: number } };
  if (e?.name === "TimeoutError") return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const c = e?.cause;
  if (c?.code) return c.address ? `${c.code} ${c.address}${c.port ? `:${c.port}` : ""}` : c.code;
  return c?.message ?? e?.message ?? String(error);
}

/** Columns padded to their widest cell; the last column is not padded. */
export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n") + "\n";
}

/** A time as `2026-12-05 20:01:02` (UTC), or `-`. */
export function stamp(time: string | number | null | undefined): string {
  if (time === null || time === undefined || time === "") return "-";
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? String(time) : d.toISOString().replace("T", " ").replace(/\.\d+Z$/, "");
}

/** A one-line JSON rendering, clipped to `max` characters. */
export function brief(value: unknown, max = 80): string {
  const text = JSON.stringify(value) ?? "undefined";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** Seconds from the command line (`--countdown 10`, `--interval 0.5`). */
export function secondsValue(text: string, label: string): number {
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`${label} must be a number of seconds such as 10 or 0.5, not "${text}"`);
  return n;
}
