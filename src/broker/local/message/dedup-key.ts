/**
 * `Upstash-Content-Based-Deduplication: true`: the id is a hash of the destination, the body,
 * Content-Type and every forwarded header.
 * @module
 */

import type { PublishConfig } from "./publish-config.ts";

const encoder = new TextEncoder();

export async function contentDedupKey(destination: string, config: PublishConfig, body: Uint8Array): Promise<string> {
  const names = Object.keys(config.headers).sort();
  const head = encoder.encode(`${destination}\n${names.map((n) => `${n}:${config.headers[n]}`).join("\n")}\n\n`);
  const all = new Uint8Array(head.length + body.length);
  all.set(head, 0);
  all.set(body, head.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", all));
  let hex = "";
  for (const b of digest) hex += b.toString(16).padStart(2, "0");
  return `content:${hex}`;
}
