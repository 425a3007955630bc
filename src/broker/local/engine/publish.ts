/**
 * Publishing to a destination: one message for a URL, one per endpoint for a URL group.
 * Shared by publish, enqueue, batch, schedule triggers and DLQ retries.
 * @module
 */

import { BrokerError } from "../../../errors.ts";
import type { Destination } from "../message/destination.ts";
import type { BrokerEngine, MessageOrigin, MessagePublished } from "./engine.ts";
import type { PublishConfig } from "../message/publish-config.ts";

/** Publish `body` to `destination`; a URL group answers one result per endpoint. */
export async function publishTo(
  engine: BrokerEngine,
  destination: Destination,
  config: PublishConfig,
  body: Uint8Array,
  origin: MessageOrigin = {},
): Promise<MessagePublished | MessagePublished[]> {
  if (destination.kind === "url") return engine.publishToUrl(destination.url, config, body, origin);
  const topic = await engine.store.topics.get(destination.name);
  if (!topic || topic.endpoints.length === 0) {
    throw new BrokerError(`url group "${destination.name}" not found: add endpoints with POST /v2/topics/${destination.name}/endpoints, or publish to an http(s) URL`, { status: 404 });
  }
  const results: MessagePublished[] = [];
  for (const endpoint of topic.endpoints) {
    const r = await engine.publishToUrl(endpoint.url, config, body, {
      ...origin,
      topicName: topic.name,
      endpointName: endpoint.name,
      destination: destination.name,
    });
    results.push({ ...r, url: endpoint.url });
  }
  return results;
}
