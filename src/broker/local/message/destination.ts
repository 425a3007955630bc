/**
 * Destinations from the raw request target. The official client joins the destination into the
 * path unencoded (`/v2/publish/https://x.com/a?b=1`), so the destination is everything after the
 * route prefix, query included, minus broker-config parameters (`qstash_token`, `upstash-*`).
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import { lowerCase, UPSTASH_PREFIX } from "../../../headers.ts";

/** A parsed destination. */
export type Destination = { kind: "url"; url: string } | { kind: "group"; name: string };

/** What the raw target held besides the destination. */
export interface RawTarget {
  /** The raw text after the prefix (query included, config parameters removed). */
  destination: string;
  /** `upstash-*` query parameters (lower-case), stand-ins for headers. */
  config: Map<string, string>;
}

const NAME = /^[A-Za-z0-9._-]+$/;
/** Query parameters with this (lower-cased) prefix configure the publish. */
const CONFIG_PREFIX = lowerCase(UPSTASH_PREFIX);

/** True when `name` is a valid queue, URL-group or schedule id (letters, digits, `-`, `_`, `.`). */
export const isValidName = (name: string): boolean => NAME.test(name);

/** Split the request URL after `prefix` (e.g. "/v2/publish/"). Throws 400 when the prefix is absent. */
export function rawTarget(requestUrl: string, prefix: string): RawTarget {
  const pathStart = requestUrl.indexOf("/", requestUrl.indexOf("//") + 2);
  const at = pathStart < 0 ? -1 : requestUrl.indexOf(prefix, pathStart);
  if (at < 0) throw new BrokerError(`missing destination after ${prefix}`, { status: 400 });
  const rest = requestUrl.slice(at + prefix.length);
  const q = rest.indexOf("?");
  const config = new Map<string, string>();
  if (q < 0) return { destination: rest, config };
  const kept: string[] = [];
  for (const part of rest.slice(q + 1).split("&")) {
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const key = safeDecode(rawKey).toLowerCase();
    if (key === "qstash_token") continue;
    if (key.startsWith(CONFIG_PREFIX)) {
      config.set(key, eq < 0 ? "" : safeDecode(part.slice(eq + 1).replace(/\+/g, " ")));
      continue;
    }
    kept.push(part);
  }
  const path = rest.slice(0, q);
  return { destination: kept.length ? `${path}?${kept.join("&")}` : path, config };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Classify a destination: an http(s) URL, or a URL-group name. Throws 400 otherwise. */
export function parseDestination(raw: string): Destination {
  if (raw === "") throw new BrokerError("missing destination: publish to /v2/publish/<url or url group>", { status: 400 });
  let text = raw;
  // Some routers collapse "//": accept "https:/host" as "https://host".
  const collapsed = /^(https?):\/(?!\/)/i.exec(text);
  if (collapsed) text = `${collapsed[1]}://${text.slice(collapsed[0].length)}`;
  if (/^https?:\/\//i.test(text)) {
    try {
      const u = new URL(text);
      if (!u.hostname) throw new Error("no host");
    } catch {
      throw new BrokerError(`invalid destination url: ${raw}`, { status: 400 });
    }
    return { kind: "url", url: text };
  }
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(text)) {
    throw new BrokerError("invalid destination url: endpoint has invalid scheme, add http:// or https://", { status: 400 });
  }
  if (!isValidName(text)) {
    throw new BrokerError(`invalid destination "${raw}": use an http(s) URL, or a URL-group name of letters, digits, "-", "_" and "."`, { status: 400 });
  }
  return { kind: "group", name: text };
}
