/**
 * The README's dashboard screenshots: starts `celeriac dev` on the example functions, sends a mix
 * of tasks (a success, retries with backoff, a long report with progress, a declined card that
 * lands in the DLQ, a delayed one, a revoked one), and photographs the task list and a task's
 * page in headless Chromium (Debian's /usr/bin/chromium).
 *
 *   npx tsx scripts/dashboard-screenshots.ts [outDir=docs]
 * @module
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startDevServer } from "../src/node/dev/dev-server.ts";
import { silentLogger } from "../src/util/logger.ts";

const out = process.argv[2] ?? "docs";
mkdirSync(out, { recursive: true });
const server = await startDevServer({ port: 0, apiToken: "screenshot-token", logger: silentLogger, dashboardRefreshMs: 500 });
const send = async (name: string, input: unknown, options: Record<string, unknown> = {}) => {
  const res = await fetch(`${server.url}/api/tasks/${name}`, {
    method: "POST", headers: { authorization: "Bearer screenshot-token", "content-type": "application/json" }, body: JSON.stringify({ input, options }),
  });
  return (await res.json()) as { id: string };
};
const stateOf = async (id: string) =>
  ((await (await fetch(`${server.url}/api/results/${id}`, { headers: { authorization: "Bearer screenshot-token" } })).json()) as { state: string }).state;
const until = async (check: () => Promise<boolean>) => {
  for (const deadline = Date.now() + 30_000; !(await check());) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
};

const added = await send("math_add", { a: 2, b: 3 });
await send("main_send_email", { to: "ada@example.com", subject: "Welcome", content: "Hello!" });
const flaky = await send("api_check_availability", { serverId: "srv-1", failTimes: 1 });
await send("billing_charge_card", { orderId: "o-1001", amountCents: 4200, currency: "EUR" });
await send("billing_charge_card", { orderId: "o-1002", amountCents: 2_500_000, currency: "EUR" });
const revoked = await send("main_send_email", { to: "bob@example.com", subject: "Reminder", content: "…" }, { countdown: 3600 });
await fetch(`${server.url}/api/results/${revoked.id}/revoke`, { method: "POST", headers: { authorization: "Bearer screenshot-token" } });
await send("math_add", { a: 40, b: 2 }, { countdown: 900 });
await until(async () => (await stateOf(flaky.id)) === "SUCCESS" && (await stateOf(added.id)) === "SUCCESS");
await send("api_check_availability", { serverId: "srv-7", failTimes: 6 });
const report = await send("main_prepare_a_massive_report", { dataId: 42, steps: 40 });
await until(async () => (await stateOf(report.id)) === "PROGRESS");

const profile = mkdtempSync(join(tmpdir(), "celeriac-shots-"));
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1280, height: 720 }, deviceScaleFactor: 1,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = browser.pages()[0] ?? (await browser.newPage());
await page.goto(`${server.url}/dashboard/sign-in`);
await page.fill("#token", "screenshot-token");
await page.click("form[action$='/sign-in'] button");
await page.locator("tr[data-id] progress").first().waitFor();
await page.screenshot({ path: join(out, "dashboard-tasks.png") });
await page.goto(`${server.url}/dashboard/tasks/${flaky.id}`);
await page.locator(".attempt").nth(1).waitFor();
await page.screenshot({ path: join(out, "dashboard-task.png"), fullPage: true });
await browser.close();
rmSync(profile, { recursive: true, force: true });
await server.close();
console.log(`wrote ${join(out, "dashboard-tasks.png")} and ${join(out, "dashboard-task.png")}`);
process.exit(0);
