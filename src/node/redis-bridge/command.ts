/**
 * Request side of the Redis REST bridge: turns one JSON command array of the Upstash REST
 * protocol (`["SET", "k", 1, "PX", 500]`) into Redis arguments, and refuses the commands a
 * shared connection cannot serve: blocking commands, transactions, connection state, and Pub/Sub
 * subscriptions (served as event streams instead, see `redis-rest-subscriptions.ts`).
 * @module
 */

/** Why a command is refused; each reason is one sentence of the error the client sees. */
const BLOCKING =
  "it blocks, and would stall every other request on the bridge's shared Redis connection. " +
  "Use the non-blocking form (LPOP, RPOP, LMOVE, ZPOPMIN, XREAD without BLOCK) and poll, or connect to Redis directly";
const PUBSUB =
  "a Pub/Sub subscription is a stream, not a command. Subscribe with POST /subscribe/<channel> or /psubscribe/<pattern> " +
  "(Server-Sent Events; redis.subscribe() in @upstash/redis). PUBLISH works as a command";
const TRANSACTION =
  "transactions cannot span HTTP requests. Send the commands together to /multi-exec (redis.multi() in @upstash/redis)";
const CONNECTION =
  "it changes the state of the bridge's shared Redis connection. Configure the database, user and client in the bridge's Redis URL instead";
const MONITOR = "it turns the bridge's shared Redis connection into a stream. Run redis-cli MONITOR against Redis directly";

/** Commands never forwarded, with the reason given to the caller. Upper-case names. */
const REFUSED: ReadonlyMap<string, string> = new Map([
  ...["BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP", "WAIT", "WAITAOF"].map(
    (name) => [name, BLOCKING] as const,
  ),
  ...["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"].map(
    (name) => [name, PUBSUB] as const,
  ),
  ...["MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"].map((name) => [name, TRANSACTION] as const),
  ...["SELECT", "AUTH", "HELLO", "CLIENT", "QUIT", "RESET", "SYNC", "PSYNC", "REPLCONF"].map(
    (name) => [name, CONNECTION] as const,
  ),
  ["MONITOR", MONITOR],
]);

/**
 * Checks one command from a request body and coerces its arguments to strings IN PLACE:
 * numbers become their decimal text, booleans `"true"`/`"false"`, `null` the empty string
 * (what `@upstash/redis` sends for `undefined`). On success `value` is a `string[]`.
 *
 * @returns `undefined` when the command may be sent, else the error message for the caller
 * (Redis style, starting with `ERR`).
 */
export function checkCommand(value: unknown): string | undefined {
  if (!Array.isArray(value)) {
    return `ERR a command must be a JSON array such as ["SET","key","value"], got ${describe(value)}`;
  }
  if (value.length === 0) return 'ERR empty command: send a JSON array such as ["PING"]';
  for (let i = 0; i < value.length; i++) {
    const arg: unknown = value[i];
    if (typeof arg === "string") continue;
    if (typeof arg === "number") value[i] = Number.isFinite(arg) ? String(arg) : "";
    else if (typeof arg === "boolean") value[i] = arg ? "true" : "false";
    else if (arg === null) value[i] = "";
    else {
      return (
        `ERR argument ${i} of ${String(value[0]).toUpperCase()} is ${describe(arg)}; ` +
        "arguments must be strings, numbers, booleans or null (JSON.stringify objects yourself)"
      );
    }
  }
  return refusal(value as string[]);
}

/** The error message for a refused command, or `undefined` when it may be forwarded. */
export function refusal(args: readonly string[]): string | undefined {
  const name = args[0].toUpperCase();
  const reason = REFUSED.get(name);
  if (reason !== undefined) return refusedMessage(name, reason);
  if ((name === "XREAD" || name === "XREADGROUP") && hasBlockOption(args)) {
    return refusedMessage(`${name} with BLOCK`, BLOCKING);
  }
  return undefined;
}

function refusedMessage(what: string, reason: string): string {
  return `ERR ${what} is not supported by the Redis REST bridge: ${reason}.`;
}

/** XREAD/XREADGROUP options come before STREAMS; a key named "block" after it is not the option. */
function hasBlockOption(args: readonly string[]): boolean {
  for (let i = 1; i < args.length; i++) {
    const upper = args[i].toUpperCase();
    if (upper === "STREAMS") return false;
    if (upper === "BLOCK") return true;
  }
  return false;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
