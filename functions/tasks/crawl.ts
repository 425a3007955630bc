/**
 * The crawl chain of seed 002 ("Avoid launching synchronous subtasks"): instead of a task that
 * waits for `fetch_page` and then `parse_page`, `crawl_update_page_info` starts the chain
 * fetch → parse → store and returns at once; each step's result is the next step's input, and
 * the types check that they fit.
 */
import { z } from "zod";
import { task } from "../../src/index.ts";
import { chain } from "../../src/canvas/index.ts";

/** A page body is cut here: it travels in the next step's message (1 MiB at most on QStash). */
const MAX_HTML_CHARS = 200_000;

/** An upstream answer worth retrying. */
export class FetchError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "FetchError";
  }
}

export const fetchPage = task({
  name: "crawl_fetch_page",
  description: "Download a page (retried with backoff on upstream errors).",
  input: z.object({ url: z.url() }),
  autoretryFor: [FetchError, TypeError],
  retryBackoff: true,
  maxRetries: 3,
  timeLimit: 30,
}, async ({ url }, ctx) => {
  const res = await fetch(url, { signal: ctx.signal, redirect: "follow" });
  if (!res.ok) throw new FetchError(res.status, `GET ${url} answered ${res.status}`);
  return { url, html: (await res.text()).slice(0, MAX_HTML_CHARS) };
});

export const parsePage = task({
  name: "crawl_parse_page",
  description: "Read a page's title and links.",
  input: z.object({ url: z.string(), html: z.string() }),
}, ({ url, html }) => ({ url, ...parseDocument(url, html) }));

export const storePageInfo = task({
  name: "crawl_store_page_info",
  description: "Store what was read of a page (here: the result backend stands in for PageInfo.objects.create).",
  input: z.object({ url: z.string(), title: z.string(), links: z.array(z.string()) }),
}, ({ url, title, links }, ctx) => {
  ctx.log.info(`stored ${url}: "${title}", ${links.length} links`);
  return { url, title, links: links.length };
});

export const updatePageInfo = task({
  name: "crawl_update_page_info",
  description: "Start the chain fetch → parse → store for a URL and return at once.",
  input: z.object({ url: z.url() }),
}, async ({ url }, ctx) => {
  const last = await ctx.send(chain(fetchPage.s({ url }), parsePage.s(), storePageInfo.s({ url })));
  return { chain: last.id };
});

/** The actual parsing, kept apart from the task (seed 001). */
export function parseDocument(base: string, html: string): { title: string; links: string[] } {
  const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)?.[1]?.trim() ?? "";
  const links = new Set<string>();
  for (const m of html.matchAll(/<a\s[^>]*href\s*=\s*["']([^"']+)["']/gi)) {
    try {
      links.add(new URL(m[1]!, base).href);
    } catch { /* not a URL */ }
    if (links.size >= 100) break;
  }
  return { title, links: [...links] };
}
