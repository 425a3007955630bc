/**
 * celeriac/testing: helpers for testing tasks. `createTestHarness` runs a worker in memory
 * (`MemoryBackend`, a `RecordingBroker` that keeps what was published) and signs deliveries with
 * `TEST_SIGNING_KEYS`; `parseEnvelope` / `serializeEnvelope` read and write the task message a
 * broker carries (its wire format, version `ENVELOPE_VERSION`). `MemoryBackend` also serves
 * one-process development (`celeriac dev` uses it).
 *
 * @example
 * import { createTestHarness } from "celeriac/testing";
 * const h = createTestHarness({ tasks: [add] });
 * @module
 */
export { createTestHarness, TEST_SIGNING_KEYS } from "./harness.ts";
export { createEagerClient } from "./eager.ts";
export type { CreateEagerClientOptions, EagerClient } from "./eager.ts";
export type { TestHarness, TestHarnessOptions } from "./harness.ts";
export { RecordingBroker } from "./recording-broker.ts";
export type { RecordedMessage } from "./recording-broker.ts";
export { MemoryBackend } from "../backend/memory.ts";
export type { MemoryBackendOptions } from "../backend/memory.ts";
export { ENVELOPE_VERSION, parseEnvelope, serializeEnvelope } from "../task/envelope.ts";
export type { Envelope } from "../task/envelope.ts";
