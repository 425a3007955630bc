/**
 * The dashboard's routes, mounted under its path in the worker app: the sign-in, the guard
 * (session cookie or bearer token on everything else; cross-site changes refused), the pages
 * and their live parts, the actions, and the same data as JSON for scripts and the CLI.
 * @module
 */
import { Hono } from "hono/tiny";
import type { Context } from "hono";
import type { WorkerExtensionContext } from "../worker/create-worker.ts";
import { timingSafeEqual } from "../worker/auth.ts";
import { credentialOf, crossSite, isHttps, loopbackHost, newSession, sessionCookie } from "./auth.ts";
import { DashboardSource } from "./model/source.ts";
import { STYLES } from "./assets/styles.ts";
import { SCRIPT } from "./assets/script.ts";
import { type Html } from "./views/format.ts";
import { page, type PageFrame } from "./views/layout.ts";
import { signInView } from "./views/sign-in-view.ts";
import { pageRoutes } from "./pages.ts";
import { jsonRoutes } from "./json-routes.ts";

/** The dashboard's settings, resolved. */
export interface DashboardSettings {
  path: string;
  refreshMs: number;
  sessionTtlMs: number;
  loopbackReads: boolean;
  scanEntries: number;
  figuresEntries: number;
}

/** Per-request facts the guard sets. */
export type DashboardEnv = { Variables: { signedIn: boolean } };

/** What page handlers share. */
export interface DashboardKit {
  source: DashboardSource;
  settings: DashboardSettings;
  /** Render `content` in the shell (or only `live` when the request asks for the live part). */
  render(c: Context<DashboardEnv>, frame: { title: string; section?: string }, content: Html, status?: number): Response | Promise<Response>;
  now(): number;
}

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy": "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
};

/** The dashboard sub-app for one worker. */
export function createDashboardApp(ctx: WorkerExtensionContext, settings: DashboardSettings): Hono<DashboardEnv> {
  const app = new Hono<DashboardEnv>();
  const base = settings.path;
  const token = ctx.apiToken;
  const now = () => ctx.rt.now();
  const source = new DashboardSource(ctx, { scanEntries: settings.scanEntries, figuresEntries: settings.figuresEntries });
  const frame = (c: Context<DashboardEnv>, title: string, section?: string): PageFrame => ({
    base, title, section, refreshMs: settings.refreshMs, signedIn: c.get("signedIn") === true, facts: `${ctx.rt.backend.kind} backend`,
  });
  const kit: DashboardKit = {
    source, settings, now,
    render: (c, f, content, status = 200) => c.html(page(frame(c, f.title, f.section), content), status as 200),
  };
  const origins = (c: Context) => [new URL(c.req.url).origin, new URL(ctx.publicUrl).origin];

  app.use("*", async (c, next) => {
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) c.res.headers.set(k, v);
  });

  app.get("/assets/app.css", (c) => c.body(STYLES, 200, { "content-type": "text/css; charset=utf-8" }));
  app.get("/assets/app.js", (c) => c.body(SCRIPT, 200, { "content-type": "text/javascript; charset=utf-8" }));

  const signInPage = (c: Context<DashboardEnv>, status: number, o: { error?: string; next?: string } = {}) =>
    c.html(page(frame(c, "Sign in"), signInView({ base, disabled: !token, ...o })), status as 200);

  app.get("/sign-in", (c) => signInPage(c, token ? 200 : 401, { next: safeNext(c.req.query("next"), base) }));

  app.post("/sign-in", async (c) => {
    const refused = crossSite(c, origins(c), false);
    if (refused) return c.text(`Refused: a cross-site request (${refused}).`, 403);
    if (!token) return signInPage(c, 401);
    const form = await c.req.parseBody();
    const given = typeof form.token === "string" ? form.token.trim() : "";
    const next = safeNext(typeof form.next === "string" ? form.next : undefined, base);
    if (!given || !(await timingSafeEqual(given, token))) return signInPage(c, 401, { error: "Wrong token: use the worker's CELERIAC_API_TOKEN.", next });
    const value = await newSession(token, now() + settings.sessionTtlMs);
    c.header("set-cookie", sessionCookie(value, Math.floor(settings.sessionTtlMs / 1000), base, isHttps(c)));
    return c.redirect(next ?? `${base}/tasks`, 303);
  });

  app.post("/sign-out", (c) => {
    const refused = crossSite(c, origins(c), false);
    if (refused) return c.text(`Refused: a cross-site request (${refused}).`, 403);
    c.header("set-cookie", sessionCookie("", 0, base, isHttps(c)));
    return c.redirect(`${base}/sign-in`, 303);
  });

  // Everything below needs the token: a session cookie, or a bearer token (scripts, the CLI).
  app.use("*", async (c, next) => {
    const unsafe = c.req.method !== "GET" && c.req.method !== "HEAD";
    const credential = token ? await credentialOf(c, token, now()) : "none";
    if (unsafe) {
      const refused = crossSite(c, origins(c), credential === "bearer");
      if (refused) return c.json({ error: `Refused: a cross-site request (${refused}). Use the dashboard's own pages.` }, 403);
    }
    const signedIn = credential === "session" || credential === "bearer";
    c.set("signedIn", signedIn);
    if (signedIn || (!unsafe && settings.loopbackReads && loopbackHost(c))) return next();
    const why = !token
      ? "The dashboard is off: set CELERIAC_API_TOKEN on the worker."
      : credential === "wrong" ? "Wrong or expired credentials: sign in again with the API token." : "Sign in with the API token first.";
    const wantsPage = !unsafe && !c.req.path.startsWith(`${base}/api/`) && c.req.query("live") === undefined;
    if (wantsPage) return signInPage(c, 401, { error: credential === "wrong" ? why : undefined, next: safeNext(c.req.path, base) });
    return c.json({ error: why }, 401);
  });

  app.get("/", (c) => c.redirect(`${base}/tasks`, 302));
  pageRoutes(app, kit);
  jsonRoutes(app, kit);
  return app;
}

/** `next` when it is a path inside the dashboard (no open redirect), else undefined. */
function safeNext(next: string | undefined, base: string): string | undefined {
  return next && next.startsWith(`${base}/`) && !next.startsWith("//") && !/[\\\r\n]/.test(next) ? next : undefined;
}
