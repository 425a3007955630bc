/**
 * celeriac/qstash: the production broker and verifiers, QStash's. `QStashBroker` publishes with
 * the official `@upstash/qstash` client, `QStashFetchBroker` speaks the same v2 API on `fetch`
 * alone (smaller bundles); `createQStashVerifier` checks `Upstash-Signature` with the official
 * `Receiver`, `createJwtVerifier` does the same checks on Hono's JWT utilities and Web Crypto;
 * `signQStashJwt` signs a delivery as QStash (and the local broker) does. All of them work against
 * QStash and against the local broker (`celeriac/broker`) alike.
 *
 * @example
 * import { createQStashVerifier, QStashBroker } from "celeriac/qstash";
 * const broker = new QStashBroker({ token: env.QSTASH_TOKEN });
 * const verifier = createQStashVerifier({ currentSigningKey: env.QSTASH_CURRENT_SIGNING_KEY, nextSigningKey: env.QSTASH_NEXT_SIGNING_KEY });
 * @module
 */
export { QStashBroker } from "./broker/qstash.ts";
export type { QStashBrokerOptions } from "./broker/qstash.ts";
export { QStashFetchBroker } from "./broker/qstash-fetch.ts";
export type { BrokerFetch, QStashFetchBrokerOptions } from "./broker/qstash-fetch.ts";
export { createQStashVerifier } from "./verify/qstash-verifier.ts";
export type { QStashVerifierOptions } from "./verify/qstash-verifier.ts";
export { createJwtVerifier } from "./verify/jwt-verifier.ts";
export type { JwtVerifierOptions } from "./verify/jwt-verifier.ts";
export { signQStashJwt } from "./verify/qstash-jwt.ts";
export type { SignQStashJwtOptions } from "./verify/qstash-jwt.ts";
