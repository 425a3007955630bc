/**
 * Helpers for testing tasks: a worker harness with an in-memory backend and a recording broker.
 * @module
 */
export { createTestHarness, TEST_SIGNING_KEYS } from "./harness.ts";
export type { TestHarness, TestHarnessOptions } from "./harness.ts";
export { RecordingBroker } from "./recording-broker.ts";
export type { RecordedMessage } from "./recording-broker.ts";
