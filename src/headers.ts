/**
 * Header names: QStash's `Upstash-*` vocabulary and celeriac's own. The single home of every
 * header string.
 * @module
 */

export const UPSTASH_SIGNATURE = "Upstash-Signature";
export const UPSTASH_MESSAGE_ID = "Upstash-Message-Id";
export const UPSTASH_RETRIED = "Upstash-Retried";
export const UPSTASH_RETRIES = "Upstash-Retries";
export const UPSTASH_RETRY_DELAY = "Upstash-Retry-Delay";
export const UPSTASH_DELAY = "Upstash-Delay";
export const UPSTASH_NOT_BEFORE = "Upstash-Not-Before";
export const UPSTASH_TIMEOUT = "Upstash-Timeout";
export const UPSTASH_METHOD = "Upstash-Method";
export const UPSTASH_DEDUPLICATION_ID = "Upstash-Deduplication-Id";
export const UPSTASH_CONTENT_BASED_DEDUPLICATION = "Upstash-Content-Based-Deduplication";
export const UPSTASH_FLOW_CONTROL_KEY = "Upstash-Flow-Control-Key";
export const UPSTASH_FLOW_CONTROL_VALUE = "Upstash-Flow-Control-Value";
export const UPSTASH_NON_RETRYABLE_ERROR = "Upstash-NonRetryable-Error";
export const UPSTASH_SCHEDULE_ID = "Upstash-Schedule-Id";
export const UPSTASH_CRON = "Upstash-Cron";
export const UPSTASH_QUEUE_NAME = "Upstash-Queue-Name";
export const UPSTASH_CALLBACK = "Upstash-Callback";
export const UPSTASH_FAILURE_CALLBACK = "Upstash-Failure-Callback";
export const UPSTASH_LABEL = "Upstash-Label";
export const UPSTASH_FORWARD_PREFIX = "Upstash-Forward-";
export const UPSTASH_TOPIC_NAME = "Upstash-Topic-Name";

export const RETRY_AFTER = "Retry-After";
export const AUTHORIZATION = "Authorization";
export const CONTENT_TYPE = "Content-Type";

/** celeriac: the task name of a delivery, also in the path. */
export const CELERIAC_TASK = "Celeriac-Task";
/** celeriac: the task id of a delivery (for logs and consoles). */
export const CELERIAC_TASK_ID = "Celeriac-Task-Id";
/** celeriac: the outcome of an attempt, on the worker's answer to the broker. */
export const CELERIAC_OUTCOME = "Celeriac-Outcome";
