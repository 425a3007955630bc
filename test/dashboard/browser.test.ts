/**
 * The dashboard in a real headless Chromium (Debian's `chromium`, driven by `playwright-core`),
 * on the real stack: sign in; send a task from the form and watch it go RETRY → PROGRESS →
 * SUCCESS without reloading; read its attempts and a failure's traceback; revoke a pending task;
 * replay a DLQ entry and watch it succeed; find a task by id; read a schedule's next run. A task
 * input of `<img src=x onerror=alert(1)>` is shown as text and runs nothing. Each step leaves a
 * screenshot in test/output/dashboard/ (git-ignored) for review.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IN_CI, requireRedis } from "../backend/redis-env.ts";
import { type DashboardStack, Gate, startDashboardStack } from "./dashboard-stack.ts";

const CHROMIUM = "/usr/bin/chromium";
if (!existsSync(CHROMIUM) && IN_CI) throw new Error(`CI is set but ${CHROMIUM} is missing: .ci/run installs it (apt-get install chromium).`);
const redisUp = await requireRedis();
const SHOTS = new URL("../output/dashboard/", import.meta.url).pathname;
const XSS = "<img src=x onerror=alert(1)>";
const WAIT = { timeout: 15_000 };

describe.runIf(existsSync(CHROMIUM))("the dashboard in Chromium", () => {
  let s: DashboardStack;
  let context: BrowserContext;
  let page: Page;
  let profile: string;
  const dialogs: string[] = [];
  const errors: string[] = [];
  let shot = 0;
  const screenshot = async (name: string) => {
    await page.screenshot({ path: join(SHOTS, `${String(++shot).padStart(2, "0")}-${name}.png`), fullPage: true });
  };
  const badge = (state: string) => page.locator(".state-big .badge", { hasText: new RegExp(`^${state}$`) });

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    s = await startDashboardStack({
      backend: redisUp ? "redis" : "memory",
      knobs: { retryGate: new Gate(), steps: [new Gate(), new Gate(), new Gate()] },
    });
    profile = mkdtempSync(join(tmpdir(), "celeriac-chromium-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("dialog", (d) => {
      dialogs.push(`${d.type()}: ${d.message()}`);
      void d.dismiss();
    });
    page.on("pageerror", (e) => errors.push(e.message));
  }, 60_000);

  afterAll(async () => {
    s?.knobs.retryGate.open();
    for (const g of s?.knobs.steps ?? []) g.open();
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await s?.close();
  });

  it("signs in with the API token", async () => {
    await page.goto(s.url("/tasks"));
    await page.locator("#token").waitFor(WAIT);
    await screenshot("sign-in");
    await page.fill("#token", s.apiToken);
    await page.click("form[action$='/sign-in'] button");
    await page.locator("h1", { hasText: "Tasks" }).waitFor(WAIT);
    expect(page.url()).toBe(s.url("/tasks"));
    expect(page.url()).not.toContain(s.apiToken);
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === "celeriac_session")).toMatchObject({ httpOnly: true, sameSite: "Strict", path: "/dashboard" });
  });

  it("sends a task from the form and watches it go RETRY → progress → SUCCESS without reloading", async () => {
    await page.click("nav a[href$='/send']");
    await page.selectOption("select[name=task]", "dash_progress"); // the script reloads the form for that task
    await page.locator("textarea#input", { hasText: '"steps": 3' }).waitFor(WAIT);
    expect(JSON.parse(await page.inputValue("textarea#input"))).toEqual({ steps: 3, retryIn: 0 });
    await screenshot("send-form");
    await page.click("form.sendform button.primary");
    await page.locator(".notice.ok", { hasText: "Sent." }).waitFor(WAIT);
    await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
    await badge("RETRY").waitFor(WAIT);
    await page.locator(".attempt", { hasText: "First attempt" }).locator(".tag.retried").waitFor(WAIT);
    await screenshot("retry");
    s.knobs.retryGate.open();
    for (let step = 1; step <= 3; step++) {
      await page.locator(`.state-big progress[value="${step}"][max="3"]`).waitFor(WAIT);
      expect(await page.locator(".state-big .badge").textContent()).toBe("PROGRESS");
      if (step === 2) await screenshot("progress");
      s.knobs.steps[step - 1].open();
    }
    await badge("SUCCESS").waitFor(WAIT);
    expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true); // no reload happened
    await page.locator(".attempt", { hasText: "Retry 1" }).locator(".tag.acked").waitFor(WAIT);
    expect(await page.locator("pre.code").nth(1).textContent()).toContain('"steps": 3');
    await screenshot("success");
  });

  it("shows a failure's attempts and traceback in its detail, from the task list", async () => {
    s.knobs.failing = true;
    const r = await s.client.send("dash_replayable", { order: "o-7" });
    await page.click("nav a[href$='/tasks']");
    const row = page.locator(`tr[data-id="${r.id}"]`);
    await row.locator(".badge", { hasText: "FAILURE" }).waitFor(WAIT); // appears without reloading
    await screenshot("list-with-failure");
    await row.locator("a.id").click();
    await badge("FAILURE").waitFor(WAIT);
    await page.locator("pre.traceback", { hasText: "TypeError: card declined for o-7" }).waitFor(WAIT);
    expect(await page.locator(".attempt").count()).toBe(1);
    await page.locator(".attempt .tag.failed").waitFor(WAIT);
    await page.locator(".step.failed", { hasText: "dead-letter queue" }).waitFor(WAIT);
    await screenshot("failure-detail");
  });

  it("replays the DLQ entry and sees it succeed", async () => {
    s.knobs.failing = false;
    await page.click("nav a[href$='/dlq']");
    const entry = page.locator("tr[data-dlq]", { hasText: "dash_replayable" }).first();
    await entry.waitFor(WAIT);
    await screenshot("dlq");
    await entry.locator("button", { hasText: "Replay" }).click();
    await page.locator(".notice.ok", { hasText: "Replayed" }).waitFor(WAIT);
    await badge("SUCCESS").waitFor(WAIT);
    await page.locator(".attempt", { hasText: "Retry 1" }).locator(".tag.acked").waitFor(WAIT);
    await screenshot("replayed");
  });

  it("revokes a pending task", async () => {
    await page.goto(s.url("/send?task=dash_echo"));
    await page.fill("textarea#input", JSON.stringify({ text: "later", n: 1 }));
    await page.fill("input[name=countdown]", "600");
    await page.click("form.sendform button.primary");
    await badge("PENDING").waitFor(WAIT);
    await page.locator("button.danger", { hasText: "Revoke" }).click();
    await page.locator(".notice.ok", { hasText: "Revoked" }).waitFor(WAIT);
    await badge("REVOKED").waitFor(WAIT);
    await page.locator(".step.revoked", { hasText: "Cancelled at the broker" }).waitFor(WAIT);
    await screenshot("revoked");
  });

  it("finds a task by id", async () => {
    const r = await s.client.send("dash_echo", { text: "find me", n: 5 });
    await r.get({ timeoutMs: 10_000 });
    await page.click("nav a[href$='/tasks']");
    await page.fill("input[name=q]", r.id);
    await page.press("input[name=q]", "Enter");
    await page.locator("h1.id-title", { hasText: r.id }).waitFor(WAIT);
    await badge("SUCCESS").waitFor(WAIT);
    await screenshot("found-by-id");
  });

  it("shows a schedule's next run", async () => {
    await page.click("nav a[href$='/schedules']");
    const row = page.locator('tr[data-schedule="dash_echo_every_10m"]');
    await row.waitFor(WAIT);
    const next = await row.locator("td.next-run time").getAttribute("datetime");
    expect(Date.parse(next!)).toBeGreaterThan(Date.now() - 1000);
    expect(Date.parse(next!) - Date.now()).toBeLessThanOrEqual(600_000);
    expect(await row.locator("td.next-run").textContent()).toMatch(/in \d+ (s|min)|just now/);
    await screenshot("schedules");
  });

  it("shows an input of <img src=x onerror=alert(1)> as text everywhere, and no script runs", async () => {
    const r = await s.client.send("dash_echo", { text: XSS, n: 1 });
    await r.get({ timeoutMs: 10_000 });
    await page.click("nav a[href$='/tasks']");
    const row = page.locator(`tr[data-id="${r.id}"]`);
    await row.waitFor(WAIT);
    expect(await row.locator("code.input").textContent()).toContain(XSS);
    await row.locator("a.id").click();
    await page.locator("pre.code", { hasText: XSS }).first().waitFor(WAIT);
    expect(await page.locator("img").count()).toBe(0);
    // A failure whose message carries it: the detail's traceback, the task list and the DLQ show it as text.
    s.knobs.failing = true;
    const failed = await s.client.send("dash_replayable", { order: XSS });
    await page.goto(s.url(`/tasks/${failed.id}`));
    await page.locator("pre.traceback", { hasText: `TypeError: card declined for ${XSS}` }).waitFor(WAIT);
    expect(await page.locator("img").count()).toBe(0);
    await page.click("nav a[href$='/tasks']");
    await page.locator(`tr[data-id="${failed.id}"] .err`, { hasText: XSS }).waitFor(WAIT);
    expect(await page.locator("img").count()).toBe(0);
    await page.click("nav a[href$='/dlq']");
    await page.locator("tr[data-dlq] .err", { hasText: `TypeError: card declined for ${XSS}` }).waitFor(WAIT);
    expect(await page.locator("img").count()).toBe(0);
    await screenshot("hostile-input-as-text");
    await page.click("nav a[href$='/figures']");
    await page.locator("svg.chart").first().waitFor(WAIT);
    await screenshot("figures");
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);
  });
});
