/**
 * The canvas examples in functions/: the seed's crawl chain against a page served on loopback,
 * and the fan-out/fan-in sales report (a chord), on the in-process harness.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tasks from "../../functions/index.ts";
import { createTestHarness } from "../../src/testing/index.ts";

let server: Server;
let base: string;
beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === "/missing") return res.writeHead(404).end();
    res.writeHead(200, { "content-type": "text/html" }).end(`<html><head><title> Celery canvas </title></head><body><a href="/a">a</a> <a href='https://example.test/b'>b</a></body></html>`);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe("functions/ canvas examples", () => {
  it("crawl_update_page_info starts fetch → parse → store and returns; the chain stores the page's title and link count", async () => {
    const h = createTestHarness({ tasks });
    const started = await h.client.send(tasks.updatePageInfo, { url: `${base}/page` });
    await h.drain();
    const { chain } = (await started.get({ timeoutMs: 1000 })) as { chain: string };
    expect(await h.client.result(chain).get({ timeoutMs: 1000 })).toEqual({ url: `${base}/page`, title: "Celery canvas", links: 2 });
  });

  it("report_sales fans out one task per region and summarizes them once, in region order", async () => {
    const h = createTestHarness({ tasks });
    const regions = ["eu", "us", "apac", "latam"];
    const started = await h.client.send(tasks.salesReport, { regions, day: "2026-12-05" });
    await h.drain();
    const { summary } = (await started.get({ timeoutMs: 1000 })) as { summary: string };
    const figures = await Promise.all(regions.map((r) => tasks.regionSales.handler({ region: r, day: "2026-12-05" }, undefined as never)));
    const report = await h.client.result(summary).get({ timeoutMs: 1000 });
    expect(report).toEqual({
      regions: 4, orders: figures.reduce((s, f) => s + f.orders, 0), revenue: figures.reduce((s, f) => s + f.revenue, 0),
      top: figures.reduce((a, b) => (b.revenue > a.revenue ? b : a)).region,
    });
  });
});
