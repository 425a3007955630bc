/**
 * Header names: QStash's and Upstash Redis's `Upstash-*` vocabulary and celeriac's own. The single
 * home of every header string; code that reads plain records keyed in lower case (Node's
 * `IncomingMessage.headers`, what the official QStash client sends) derives those names with
 * {@link lowerCase} once, at module load.
 * @module
 */

/** The family prefix of every QStash and Upstash Redis header. */
export const UPSTASH_PREFIX = "Upstash-";

// QStash: what a publish asks for (request headers, or `?upstash-*` query stand-ins).

/** The HTTP method of the delivery (default POST). */
export const UPSTASH_METHOD = "Upstash-Method";
/** Delay before the first delivery (`"10s"`). */
export const UPSTASH_DELAY = "Upstash-Delay";
/** Absolute first delivery time, unix seconds; wins over the delay. */
export const UPSTASH_NOT_BEFORE = "Upstash-Not-Before";
/** Retries after the first attempt. */
export const UPSTASH_RETRIES = "Upstash-Retries";
/** The retry delay expression (`"pow(2, retried) * 1000"`). */
export const UPSTASH_RETRY_DELAY = "Upstash-Retry-Delay";
/** Per-attempt HTTP timeout (`"30s"`). */
export const UPSTASH_TIMEOUT = "Upstash-Timeout";
/** The URL told about every attempt. */
export const UPSTASH_CALLBACK = "Upstash-Callback";
/** The URL told when the message fails for good. */
export const UPSTASH_FAILURE_CALLBACK = "Upstash-Failure-Callback";
/** Delivery retries of the failure callback (the generic `Upstash-Failure-Callback-<X>` rule applied to `Upstash-Retries`). */
export const UPSTASH_FAILURE_CALLBACK_RETRIES = "Upstash-Failure-Callback-Retries";
/** A publish with an id already seen in the window is deduplicated. */
export const UPSTASH_DEDUPLICATION_ID = "Upstash-Deduplication-Id";
/** `true`: deduplicate on a hash of destination, body and headers. */
export const UPSTASH_CONTENT_BASED_DEDUPLICATION = "Upstash-Content-Based-Deduplication";
/** The flow-control key the limits are shared under. */
export const UPSTASH_FLOW_CONTROL_KEY = "Upstash-Flow-Control-Key";
/** The flow-control limits (`parallelism=2, rate=10, period=1m`). */
export const UPSTASH_FLOW_CONTROL_VALUE = "Upstash-Flow-Control-Value";
/** Labels to filter logs and the DLQ by. */
export const UPSTASH_LABEL = "Upstash-Label";
/** What the broker's logs must not show (`body`, `header[Name]`). */
export const UPSTASH_REDACT_FIELDS = "Upstash-Redact-Fields";
/** `true`: forward every plain request header, not only `Upstash-Forward-*` ones. */
export const UPSTASH_HEADER_FORWARD = "Upstash-Header-Forward";
/** A schedule's cron expression. */
export const UPSTASH_CRON = "Upstash-Cron";
/** A schedule's id (given to replace it); also on each delivery a schedule triggered. */
export const UPSTASH_SCHEDULE_ID = "Upstash-Schedule-Id";
/** The queue a schedule's messages go through. */
export const UPSTASH_QUEUE_NAME = "Upstash-Queue-Name";
/** Forwarded to the destination without this prefix (`Upstash-Forward-X-Id` → `X-Id`). */
export const UPSTASH_FORWARD_PREFIX = "Upstash-Forward-";
/** Settings of the callback messages (`Upstash-Callback-Retries` → `Upstash-Retries`). */
export const UPSTASH_CALLBACK_PREFIX = "Upstash-Callback-";
/** Settings of the failure-callback messages. */
export const UPSTASH_FAILURE_CALLBACK_PREFIX = "Upstash-Failure-Callback-";
/** Upstash Workflow's headers, passed through to every delivery. */
export const UPSTASH_WORKFLOW_PREFIX = "Upstash-Workflow-";

// QStash: what a delivery carries, and what the destination answers.

/** The signed JWT of a delivery. */
export const UPSTASH_SIGNATURE = "Upstash-Signature";
/** The message id of a delivery. */
export const UPSTASH_MESSAGE_ID = "Upstash-Message-Id";
/** Attempts made before this delivery. */
export const UPSTASH_RETRIED = "Upstash-Retried";
/** The URL group a delivery was published to. */
export const UPSTASH_TOPIC_NAME = "Upstash-Topic-Name";
/** The publisher's IP address. */
export const UPSTASH_CALLER_IP = "Upstash-Caller-Ip";
/** `true` on a 489 answer: fail now, no more retries. */
export const UPSTASH_NON_RETRYABLE_ERROR = "Upstash-NonRetryable-Error";
/** The `User-Agent` of every QStash delivery. */
export const QSTASH_USER_AGENT = "Upstash-QStash";

// Upstash Redis's REST API.

/** `base64`: every string of the answer base64-encoded. */
export const UPSTASH_ENCODING = "Upstash-Encoding";
/** The answer's format (only `json` is served by the REST bridge). */
export const UPSTASH_RESPONSE_FORMAT = "Upstash-Response-Format";
/** The read-your-writes token, echoed from the last answer. */
export const UPSTASH_SYNC_TOKEN = "Upstash-Sync-Token";

// HTTP.

/** Seconds to wait before asking again. */
export const RETRY_AFTER = "Retry-After";
/** `Bearer <token>`. */
export const AUTHORIZATION = "Authorization";
/** The body's media type. */
export const CONTENT_TYPE = "Content-Type";
/** Who sends the request. */
export const USER_AGENT = "User-Agent";

/** celeriac: the task name of a delivery, also in the path. */
export const CELERIAC_TASK = "Celeriac-Task";
/** celeriac: the task id of a delivery (for logs and consoles). */
export const CELERIAC_TASK_ID = "Celeriac-Task-Id";
/** celeriac: the outcome of an attempt, on the worker's answer to the broker. */
export const CELERIAC_OUTCOME = "Celeriac-Outcome";

/**
 * `name` lower-cased, as Fetch `Headers` iterate names and Node's `IncomingMessage.headers` keys
 * them. Call it once per name, at module load, not per request.
 */
export function lowerCase<T extends string>(name: T): Lowercase<T> {
  return name.toLowerCase() as Lowercase<T>;
}
