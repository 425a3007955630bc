/**
 * The page shell: header with the sections, the sign-out button, the live indicator, and the
 * one stylesheet and script (served by the dashboard itself: no inline script, so the
 * Content-Security-Policy forbids any).
 * @module
 */
import { html } from "hono/html";
import type { Html } from "./format.ts";

/** What every page's shell needs. */
export interface PageFrame {
  base: string;
  title: string;
  /** Which section is current: `tasks`, `figures`, `dlq`, `schedules`, `queues`, `send`. */
  section?: string;
  refreshMs: number;
  /** Whether the visitor is signed in (shows sign out, or sign in). */
  signedIn: boolean;
  /** Shown on the right: the backend and broker kinds. */
  facts?: string;
}

const SECTIONS: [string, string][] = [
  ["tasks", "Tasks"],
  ["figures", "Figures"],
  ["dlq", "Dead letters"],
  ["schedules", "Schedules"],
  ["queues", "Queues"],
  ["send", "Send a task"],
];

/** A whole page around `body`. */
export function page(f: PageFrame, body: Html): Html {
  return html`<!doctype html>
<html lang="en" data-refresh="${f.refreshMs}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${f.title} · celeriac</title>
<link rel="stylesheet" href="${f.base}/assets/app.css">
<link rel="icon" href="data:,">
<script src="${f.base}/assets/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="${f.base}/tasks"><span class="leaf">◆</span> celeriac</a>
  ${f.signedIn || f.section ? html`<nav>${SECTIONS.map(([key, label]) => html`<a href="${f.base}/${key}"${key === f.section ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>` : ""}
  <div class="right">
    ${f.facts ? html`<span class="facts">${f.facts}</span>` : ""}
    <span class="live" id="live" title="Live: parts of this page refresh every ${Math.round(f.refreshMs / 100) / 10} s">live</span>
    ${f.signedIn
      ? html`<form method="post" action="${f.base}/sign-out"><button class="ghost">Sign out</button></form>`
      : html`<a class="button ghost" href="${f.base}/sign-in">Sign in</a>`}
  </div>
</header>
<main>
${body}
</main>
</body>
</html>`;
}

/** A notice box (`kind`: info, error, ok). */
export function notice(kind: "info" | "error" | "ok", text: Html | string): Html {
  return html`<div class="notice ${kind}" role="${kind === "error" ? "alert" : "status"}">${text}</div>`;
}
