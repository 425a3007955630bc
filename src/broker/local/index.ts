/**
 * celeriac/broker: the local broker, a QStash v2 wire-compatible push broker for development,
 * tests and self-hosting. The official `@upstash/qstash` `Client` and `Receiver` work against it
 * unchanged; `broker.direct` is the Broker port straight into it (no HTTP), and `broker.fetch`
 * serves its `/v2/...` API on any runtime (on Node, `startBrokerServer` from `celeriac/node`
 * serves it alone, with an optional Redis store).
 *
 * @example
 * import { createLocalBroker } from "celeriac/broker";
 * const broker = createLocalBroker(); // public dev token and keys; an in-memory store
 * const client = createClient({ broker: broker.direct, backend, workerUrl: "http://127.0.0.1:8787" });
 * @module
 */
export { createLocalBroker } from "./create-local-broker.ts";
export type { LocalBroker, LocalBrokerOptions } from "./create-local-broker.ts";
export type { DirectBroker } from "./direct-broker.ts";
export type { AttemptHandle, Deliver, RawDeliveryRequest, RawDeliveryResponse, ResponseHeaders } from "./delivery/delivery.ts";
export type { TokenSigner } from "../../verify/qstash-jwt.ts";
export { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_PORT, DEV_TOKEN } from "./dev-credentials.ts";
export { MemoryStore } from "./store/memory-store.ts";
export type { MemoryStoreOptions } from "./store/memory-store.ts";
export type { BrokerStore } from "./store/store.ts";
