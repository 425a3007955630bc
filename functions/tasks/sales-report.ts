/**
 * A fan-out/fan-in report (a chord): `report_sales` sends one `report_region_sales` per region
 * (they run in parallel, each its own retries) and `report_summarize` runs once with every
 * region's figures, in the order of the regions, when the last one finishes. A region that fails
 * for good fails the summary with a `ChordError` naming it.
 */
import { z } from "zod";
import { task } from "../../src/index.ts";
import { chord } from "../../src/canvas/index.ts";

const regionFigures = z.object({ region: z.string(), orders: z.number(), revenue: z.number() });

export const regionSales = task({
  name: "report_region_sales",
  description: "Sum one region's sales for a day.",
  input: z.object({ region: z.string().min(1), day: z.iso.date() }),
  acksLate: true,
  retryBackoff: true,
}, async ({ region, day }) => await salesOf(region, day));

export const summarizeSales = task({
  name: "report_summarize",
  description: "Combine every region's figures into one report.",
  input: z.array(regionFigures),
}, (regions) => {
  const revenue = regions.reduce((s, r) => s + r.revenue, 0);
  const top = regions.reduce((a, b) => (b.revenue > a.revenue ? b : a));
  return { regions: regions.length, orders: regions.reduce((s, r) => s + r.orders, 0), revenue, top: top.region };
});

export const salesReport = task({
  name: "report_sales",
  description: "Fan out one task per region, fan in to a summary (a chord); returns the summary's task id.",
  input: z.object({ regions: z.array(z.string().min(1)).min(1).max(1000), day: z.iso.date() }),
}, async ({ regions, day }, ctx) => {
  const summary = await ctx.send(chord(regions.map((region) => regionSales.si({ region, day })), summarizeSales.s()));
  return { summary: summary.id };
});

/** The actual query, kept apart from the task; a stand-in computed from the region and day. */
export async function salesOf(region: string, day: string): Promise<z.infer<typeof regionFigures>> {
  let h = 0;
  for (const c of `${region}:${day}`) h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return { region, orders: h % 500, revenue: (h % 100_000) / 10 };
}
