/**
 * Building a `StoredMessage` from a publish config.
 * @module
 */

import type { MessageOrigin } from "./engine.ts";
import { MESSAGE_CREATED, type StoredMessage } from "../message/message.ts";
import type { PublishConfig } from "../message/publish-config.ts";
import { copySharedSettings } from "../message/message-config.ts";

/** Build a message (not stored): the config's settings, the origin's context, due at its first delivery time. */
export function buildMessage(
  url: string,
  config: PublishConfig,
  body: Uint8Array,
  origin: MessageOrigin,
  context: { id: string; seq: number; now: number; defaultRetries: number },
): StoredMessage {
  const now = context.now;
  const notBefore = config.notBeforeMs ?? (config.delayMs !== undefined ? now + config.delayMs : now);
  const msg: StoredMessage = {
    id: context.id,
    seq: context.seq,
    url,
    method: config.method,
    headers: config.headers,
    body,
    createdAt: now,
    notBefore,
    dueAt: notBefore,
    maxRetries: config.retries ?? context.defaultRetries,
    retried: 0,
    state: MESSAGE_CREATED,
  };
  copySharedSettings(config, msg);
  if (config.deduplicationId) msg.deduplicationId = config.deduplicationId;
  const queueName = origin.queueName ?? config.queueName;
  if (queueName) msg.queueName = queueName;
  if (origin.topicName) msg.topicName = origin.topicName;
  if (origin.endpointName) msg.endpointName = origin.endpointName;
  if (origin.scheduleId) msg.scheduleId = origin.scheduleId;
  if (origin.callerIp) msg.callerIp = origin.callerIp;
  return msg;
}
