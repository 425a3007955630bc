/**
 * The dashboard's doors, over real HTTP: every route but the sign-in page and the static assets
 * refuses a missing or wrong token (401); the token goes in a POST body and comes back as an
 * HttpOnly, SameSite=Strict session cookie (Secure over https); cross-site form posts are refused
 * (403) even with a valid cookie; what tasks carry is shown as text.
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newSession, SESSION_COOKIE } from "../../src/dashboard/auth.ts";
import { requireRedis } from "../backend/redis-env.ts";
import { waitFor } from "../support/wait.ts";
import { type DashboardStack, startDashboardStack } from "./dashboard-stack.ts";

const redisUp = await requireRedis();

/** GET `url` with a `Host` header of our choosing (fetch does not let one set it), like a rebound DNS name. */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on("error", reject);
    req.end();
  });
}
const XSS = "<img src=x onerror=alert(1)>";

const GETS = ["/", "/tasks", "/tasks?live=1", "/tasks/some-id", "/tasks/some-id?live=1", "/dlq", "/schedules", "/queues", "/figures", "/send",
  "/api/tasks", "/api/tasks/some-id", "/api/dlq", "/api/schedules", "/api/queues", "/api/figures", "/api/waiting", "/api/events"];
const POSTS = ["/tasks/some-id/revoke", "/tasks/some-id/resend", "/dlq/1-0/replay", "/dlq/1-0/delete", "/send",
  "/api/tasks/some-id/revoke", "/api/dlq/1-0/retry", "/api/purge"];

describe("dashboard security", () => {
  let s: DashboardStack;
  let cookie: string;
  let xssId: string;
  beforeAll(async () => {
    s = await startDashboardStack({ backend: redisUp ? "redis" : "memory" });
    cookie = await s.signIn();
    const sent = await s.client.send("dash_echo", { text: XSS, n: 1 });
    xssId = sent.id;
    await sent.get({ timeoutMs: 10_000 });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("refuses every page, live part and API route without a token, or with a wrong token, cookie or bearer (401)", async () => {
    const wrongCookie = `${SESSION_COOKIE}=${await newSession("not-the-token", Date.now() + 60_000)}`;
    for (const path of GETS) {
      const variants: Record<string, string>[] = [{}, { cookie: wrongCookie }, { authorization: "Bearer wrong" }, { cookie: `${SESSION_COOKIE}=garbage` }];
      for (const headers of variants) {
        const res = await fetch(s.url(path), { headers, redirect: "manual" });
        expect([path, res.status]).toEqual([path, 401]);
        expect(await res.text()).not.toContain(xssId);
      }
    }
    for (const [method, path] of [...POSTS.map((p) => ["POST", p]), ["DELETE", "/api/dlq/1-0"]] as const) {
      for (const headers of [{}, { authorization: "Bearer wrong" }, { cookie: wrongCookie }] as Record<string, string>[]) {
        const res = await fetch(s.url(path), { method, headers: { origin: new URL(s.workerUrl).origin, ...headers }, redirect: "manual" });
        expect([method, path, res.status]).toEqual([method, path, 401]);
      }
    }
  });

  it("shows the sign-in form (401) to a browser that is not signed in, and keeps the token out of every URL", async () => {
    const res = await fetch(s.url("/tasks"), { redirect: "manual" });
    expect(res.status).toBe(401);
    const body = await res.text();
    expect(body).toContain('<form method="post" action="/dashboard/sign-in">');
    expect(body).toContain('type="password"');
    const signIn = await fetch(s.url("/sign-in"), {
      method: "POST", redirect: "manual",
      headers: { origin: new URL(s.workerUrl).origin, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: s.apiToken, next: "/dashboard/dlq" }),
    });
    expect(signIn.status).toBe(303);
    expect(signIn.headers.get("location")).toBe("/dashboard/dlq");
    expect(signIn.headers.get("location")).not.toContain(s.apiToken);
    const setCookie = signIn.headers.get("set-cookie")!;
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=\\d+\\.[\\w-]+; Path=/dashboard; Max-Age=43200; HttpOnly; SameSite=Strict$`));
    expect(setCookie).not.toContain(s.apiToken);
  });

  it("refuses a wrong token at sign-in (401), and marks the cookie Secure over https", async () => {
    const form = (token: string, headers: Record<string, string> = {}) => fetch(s.url("/sign-in"), {
      method: "POST", redirect: "manual",
      headers: { origin: new URL(s.workerUrl).origin, "content-type": "application/x-www-form-urlencoded", ...headers },
      body: new URLSearchParams({ token }),
    });
    const wrong = await form("nope");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    expect(await wrong.text()).toContain("Wrong token");
    const https = await form(s.apiToken, { "x-forwarded-proto": "https" });
    expect(https.headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Strict; Secure$/);
  });

  it("refuses cross-site form posts with a valid session (403), and the worker's API refuses them too (401)", async () => {
    const { id } = await s.client.send("dash_echo", { text: "keep me", n: 1 }, { countdown: 600 });
    const attempts: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site", origin: "https://evil.example" },
      { "sec-fetch-site": "same-site" },
      {}, // a cookie without Origin or Sec-Fetch-Site is not the dashboard's own form
    ];
    for (const headers of attempts) {
      for (const path of [`/tasks/${id}/revoke`, "/sign-out", "/send", `/api/tasks/${id}/revoke`, "/api/purge"]) {
        const res = await fetch(s.url(path), {
          method: "POST", redirect: "manual",
          headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
          body: "task=dash_echo&input=%7B%7D",
        });
        expect([path, headers, res.status]).toEqual([path, headers, 403]);
      }
    }
    expect((await s.httpClient.result(id).state)).toBe("PENDING");
    const api = await fetch(`${s.workerUrl}/api/tasks/dash_echo`, {
      method: "POST", headers: { origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded", cookie }, body: "input=x",
    });
    expect(api.status).toBe(401);
  });

  it("refuses every route of the worker's API without the token, with a wrong one, or with only the dashboard's session, cross-site or not (401)", async () => {
    const routes: [string, string][] = [["GET", "/api/tasks"], ["POST", "/api/tasks/dash_echo"], ["GET", `/api/results/${xssId}`], ["POST", `/api/results/${xssId}/revoke`], ["DELETE", `/api/results/${xssId}`]];
    const variants: Record<string, string>[] = [{}, { authorization: "Bearer wrong" }, { cookie }, { cookie, origin: "https://evil.example", "content-type": "application/x-www-form-urlencoded" }];
    for (const [method, path] of routes) {
      for (const headers of variants) {
        const res = await fetch(`${s.workerUrl}${path}`, { method, headers, redirect: "manual", ...(method === "POST" ? { body: "input=x" } : {}) });
        expect([method, path, headers, res.status]).toEqual([method, path, headers, 401]);
        expect(await res.text()).not.toContain(XSS);
      }
    }
    expect(await s.httpClient.result(xssId).state).toBe("SUCCESS"); // neither revoked nor forgotten
  });

  it("answers the JSON API with a bearer token, and with the session", async () => {
    const bearer = await fetch(s.url(`/api/tasks/${xssId}`), { headers: { authorization: `Bearer ${s.apiToken}` } });
    expect(bearer.status).toBe(200);
    expect(await bearer.json()).toMatchObject({ id: xssId, name: "dash_echo", state: "SUCCESS", input: { text: XSS, n: 1 }, result: XSS });
    expect((await s.get("/api/tasks", cookie)).status).toBe(200);
  });

  it("shows a task input and result of <img src=x onerror=alert(1)> as text on every page, under a script-free CSP", async () => {
    const escaped = "&lt;img src=x onerror=alert(1)&gt;";
    for (const path of ["/tasks", "/tasks?live=1", `/tasks/${xssId}`, `/tasks/${xssId}?live=1`]) {
      const res = await s.get(path, cookie);
      const body = await res.text();
      expect([path, res.status]).toEqual([path, 200]);
      expect(body).toContain(escaped);
      expect(body).not.toContain(XSS);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-frame-options")).toBe("DENY");
    }
  });

  it("shows a failure whose message carries <img src=x onerror=alert(1)> as text in the list, the detail, the DLQ and the figures, and a refused form input too", async () => {
    const failed = await s.client.send("dash_replayable", { order: XSS });
    await waitFor(async () => (await s.get("/dlq?live=1", cookie).then((r) => r.text())).includes(failed.id), { timeoutMs: 15_000, what: "the DLQ entry" });
    const escaped = "&lt;img src=x onerror=alert(1)&gt;";
    for (const path of ["/tasks", `/tasks/${failed.id}`, `/tasks/${failed.id}?live=1`, "/dlq", "/dlq?live=1", "/figures", "/figures?live=1"]) {
      const res = await s.get(path, cookie);
      const body = await res.text();
      expect([path, res.status]).toEqual([path, 200]);
      expect(body).not.toContain(XSS);
      if (!path.startsWith("/figures")) expect([path, body.includes(escaped)]).toEqual([path, true]);
    }
    const detail = await (await s.get(`/tasks/${failed.id}`, cookie)).text();
    expect(detail).toContain(`TypeError: card declined for ${escaped}`);
    const refused = await s.post("/send", cookie, { task: "dash_echo", input: XSS });
    const form = await refused.text();
    expect(refused.status).toBe(400);
    expect(form).toContain(escaped);
    expect(form).not.toContain(XSS);
  });

  it("expires sessions, and a signed-out browser is back at the sign-in form", async () => {
    const expired = `${SESSION_COOKIE}=${await newSession(s.apiToken, Date.now() - 1)}`;
    expect((await s.get("/tasks", expired)).status).toBe(401);
    const out = await s.post("/sign-out", cookie);
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toMatch(new RegExp(`^${SESSION_COOKIE}=; Path=/dashboard; Max-Age=0; HttpOnly; SameSite=Strict`));
    // The stateless session itself lives until it expires: the browser drops it on sign-out.
    expect((await s.get("/tasks", cookie)).status).toBe(200);
  });

  it("serves the sign-in page and the static assets without a token, and nothing else", async () => {
    for (const path of ["/sign-in", "/assets/app.css", "/assets/app.js"]) expect((await fetch(s.url(path))).status).toBe(200);
    await waitFor(async () => (await fetch(s.url("/assets/app.js"))).headers.get("content-type")?.startsWith("text/javascript"));
  });
});

describe("dashboard with loopbackReads (celeriac dev on loopback)", () => {
  let s: DashboardStack;
  beforeAll(async () => {
    s = await startDashboardStack({ backend: "memory", dashboard: { loopbackReads: true } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it("lets loopback requests read without a token, but not act, and refuses other Host names (DNS rebinding)", async () => {
    expect((await fetch(s.url("/tasks"))).status).toBe(200);
    expect((await fetch(s.url("/api/tasks"))).status).toBe(200);
    expect(await statusWithHost(s.url("/tasks"), "evil.example")).toBe(401);
    expect(await statusWithHost(s.url("/tasks"), "127.0.0.1:80")).toBe(200);
    const post = await fetch(s.url("/send"), {
      method: "POST", redirect: "manual",
      headers: { origin: new URL(s.workerUrl).origin, "content-type": "application/x-www-form-urlencoded" }, body: "task=dash_echo&input=%7B%7D",
    });
    expect(post.status).toBe(401);
  });
});
