/**
 * Query filters shared by messages, DLQ and events: values within one filter are ORed,
 * different filters are ANDed; dates are epoch ms, inclusive.
 * @module
 */

import { queryInt, queryList } from "./context.ts";
import type { StoredMessage } from "../message/message.ts";

/** A predicate over a message and the time that filters by date compare with. */
export type MessageFilter = (msg: StoredMessage, time: number) => boolean;

const FIELDS: Record<string, (m: StoredMessage) => string | undefined> = {
  messageId: (m) => m.id,
  messageIds: (m) => m.id,
  url: (m) => m.url,
  topicName: (m) => m.topicName,
  urlGroup: (m) => m.topicName,
  queueName: (m) => m.queueName,
  scheduleId: (m) => m.scheduleId,
  flowControlKey: (m) => m.flowControl?.key,
  callerIp: (m) => m.callerIp,
  endpointName: (m) => m.endpointName,
};

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host;
  } catch {
    return undefined;
  }
}

function pathOf(url: string): string | undefined {
  try {
    return new URL(url).pathname;
  } catch {
    return undefined;
  }
}

/** Build the filter of a request; `hasFilter` is false when no filter parameter was given. */
export function messageFilter(url: URL): { filter: MessageFilter; hasFilter: boolean } {
  const checks: MessageFilter[] = [];
  for (const [name, get] of Object.entries(FIELDS)) {
    const values = queryList(url, name);
    if (values) checks.push((m) => values.includes(get(m) ?? "\u0000"));
  }
  const hosts = queryList(url, "host");
  if (hosts) checks.push((m) => hosts.includes(hostOf(m.url) ?? ""));
  const paths = queryList(url, "path");
  if (paths) checks.push((m) => paths.includes(pathOf(m.url) ?? ""));
  const labels = queryList(url, "label");
  if (labels) checks.push((m) => !!m.labels?.some((l) => labels.includes(l)));
  const from = queryInt(url, "fromDate");
  if (from !== undefined) checks.push((_m, t) => t >= from);
  const to = queryInt(url, "toDate");
  if (to !== undefined) checks.push((_m, t) => t <= to);
  return { filter: (m, t) => checks.every((c) => c(m, t)), hasFilter: checks.length > 0 };
}
