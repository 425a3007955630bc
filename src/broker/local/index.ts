/**
 * The local broker: QStash v2 wire-compatible, for development, tests and self-hosting.
 * @module
 */

export { createLocalBroker, type LocalBroker, type LocalBrokerOptions } from "./create-local-broker.ts";
export type { Deliver } from "./delivery/delivery.ts";
export { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY, DEV_PORT, DEV_TOKEN } from "./dev-credentials.ts";
export { MemoryStore, type MemoryStoreOptions } from "./store/memory-store.ts";
export type { BrokerStore } from "./store/store.ts";
