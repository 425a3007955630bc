/**
 * What the broker did, read the way a user would: through the official `@upstash/qstash` Client
 * pointed at the local broker (events log, DLQ, pending messages).
 */
import { Client } from "@upstash/qstash";

/** The official client for a broker at `baseUrl`. */
export function officialClient(baseUrl: string, token: string): Client {
  return new Client({ baseUrl, token, enableTelemetry: false, retry: false });
}

/** One entry of the broker's events log, with the task envelope decoded from the body. */
export interface BrokerEvent {
  time: number;
  state: string;
  messageId: string;
  responseStatus?: number;
  responseBody?: string;
  nextDeliveryTime?: number;
  envelope?: { id: string; retries: number; task: string; schedule?: { name: string; tick: string } | null };
}

/** Every event for deliveries to `url`, oldest first. */
export async function brokerEvents(qstash: Client, url: string): Promise<BrokerEvent[]> {
  const all: BrokerEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await qstash.logs({ filter: { url }, count: 1000, ...(cursor ? { cursor } : {}) });
    for (const e of page.logs as unknown as Record<string, unknown>[]) {
      const event: BrokerEvent = { time: e.time as number, state: e.state as string, messageId: e.messageId as string };
      if (e.responseStatus !== undefined) event.responseStatus = e.responseStatus as number;
      if (typeof e.responseBody === "string") event.responseBody = e.responseBody;
      if (e.nextDeliveryTime !== undefined) event.nextDeliveryTime = e.nextDeliveryTime as number;
      if (typeof e.body === "string") {
        try {
          event.envelope = JSON.parse(Buffer.from(e.body, "base64").toString("utf8"));
        } catch {
          // not a task envelope
        }
      }
      all.push(event);
    }
    cursor = page.cursor;
  } while (cursor);
  return all.reverse();
}

/** The states of the events of `url` (oldest first), optionally for one message. */
export async function brokerStates(qstash: Client, url: string, messageId?: string): Promise<string[]> {
  return (await brokerEvents(qstash, url)).filter((e) => !messageId || e.messageId === messageId).map((e) => e.state);
}

/** The messages created for `url` (oldest first): one per publish that was not deduplicated. */
export async function createdMessages(qstash: Client, url: string): Promise<BrokerEvent[]> {
  return (await brokerEvents(qstash, url)).filter((e) => e.state === "CREATED");
}

/** DLQ entries for `url`. */
export async function dlqFor(qstash: Client, url: string) {
  const { messages } = await qstash.dlq.listMessages({ filter: { url } });
  return messages;
}

/** The HTTP status of a rejected client call (e.g. 404 from `messages.get`). */
export async function statusOf(call: Promise<unknown>): Promise<number | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}
