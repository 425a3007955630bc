/**
 * The public local-development credentials built into `@upstash/qstash` (`QSTASH_DEV=true`).
 * They are public: never use them for a broker reachable from the internet.
 * @module
 */

/** base64 of `{"UserID":"defaultUser","Password":"defaultPassword"}`. */
export const DEV_TOKEN = "eyJVc2VySUQiOiJkZWZhdWx0VXNlciIsIlBhc3N3b3JkIjoiZGVmYXVsdFBhc3N3b3JkIn0=";
export const DEV_CURRENT_SIGNING_KEY = "sig_7kYjw48mhY7kAjqNGcy6cr29RJ6r";
export const DEV_NEXT_SIGNING_KEY = "sig_5ZB6DVzB1wjE8S6rZ7eenA8Pdnhs";
/** The port `QSTASH_DEV=true` clients probe (`QSTASH_DEV_PORT` overrides it). */
export const DEV_PORT = 8080;
