/**
 * Charts drawn as inline SVG on the server (no library, no script): stacked bars per minute
 * with a tooltip on each, and a latency line. Colours come from the stylesheet's classes.
 * @module
 */
import { html } from "hono/html";
import type { Bucket } from "../model/figures.ts";
import { duration, type Html } from "./format.ts";

const clock = (t: number) => new Date(t).toISOString().slice(11, 16);

/** Stacked bars of acked / retries / failures per bucket; `height` in px, width fills the box. */
export function barChart(buckets: readonly Bucket[], from: number, bucketMs: number, o: { height?: number; label: string }): Html {
  const h = o.height ?? 64;
  const n = buckets.length;
  const w = n * 6;
  const max = Math.max(1, ...buckets.map((b) => b.acked + b.retries + b.failed));
  const y = (v: number) => (v / max) * (h - 4);
  return html`<svg class="chart bars" width="100%" height="${h}" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="${o.label}">
  <line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" y2="${h - 0.5}"></line>
  ${buckets.map((b, i) => {
    const total = b.acked + b.retries + b.failed;
    if (!total) return html`<rect class="slot" x="${i * 6}" y="0" width="6" height="${h}"><title>${clock(from + i * bucketMs)} UTC: nothing</title></rect>`;
    const hf = y(b.failed);
    const hr = y(b.retries);
    const ha = y(b.acked);
    const tip = `${clock(from + i * bucketMs)} UTC: ${b.acked} acked, ${b.retries} retries, ${b.failed} failed${b.runP50 !== undefined ? `, median run ${duration(b.runP50)}` : ""}`;
    return html`<g><title>${tip}</title>
    <rect class="slot" x="${i * 6}" y="0" width="6" height="${h}"></rect>
    <rect class="s-ok" x="${i * 6 + 0.5}" y="${h - ha}" width="5" height="${ha}"></rect>
    <rect class="s-warn" x="${i * 6 + 0.5}" y="${h - ha - hr}" width="5" height="${hr}"></rect>
    <rect class="s-bad" x="${i * 6 + 0.5}" y="${h - ha - hr - hf}" width="5" height="${hf}"></rect></g>`;
  })}
</svg>`;
}

/** A line of the median run time per bucket (gaps where nothing ran). */
export function latencyChart(buckets: readonly Bucket[], from: number, bucketMs: number, o: { height?: number; label: string }): Html {
  const h = o.height ?? 40;
  const w = buckets.length * 6;
  const values = buckets.map((b) => b.runP50);
  const max = Math.max(1, ...values.filter((v): v is number => v !== undefined));
  const segments: string[] = [];
  let current = "";
  const yOf = (v: number) => (h - 2 - (v / max) * (h - 6)).toFixed(1);
  values.forEach((v, i) => {
    if (v === undefined) {
      if (current) segments.push(current);
      current = "";
      return;
    }
    // A lone point is drawn as a short dash across its minute.
    const next = values[i + 1];
    const point = `${i * 6 + 3},${yOf(v)}`;
    current += current ? ` L${point}` : next === undefined ? `M${i * 6 + 1},${yOf(v)} L${i * 6 + 5},${yOf(v)}` : `M${point}`;
  });
  if (current) segments.push(current);
  return html`<svg class="chart line" width="100%" height="${h}" viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="${o.label}">
  <line class="axis" x1="0" y1="${h - 0.5}" x2="${w}" y2="${h - 0.5}"></line>
  ${segments.map((d) => html`<path class="lat" d="${d}"></path>`)}
  ${values.map((v, i) => (v === undefined ? "" : html`<rect class="lat-dot" x="${i * 6}" y="0" width="6" height="${h}"><title>${clock(from + i * bucketMs)} UTC: median run ${duration(v)}</title></rect>`))}
</svg>`;
}
