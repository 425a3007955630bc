/**
 * The current client (Celery's `current_app`): what `task.delay()` and `task.applyAsync()` use.
 * `createClient()` makes itself current unless told not to.
 * @module
 */
import { ConfigError } from "../errors.ts";
import type { Client } from "../client/client.ts";

let current: Client | undefined;

/** Make `client` the one `delay()`/`applyAsync()` send through. */
export function setCurrentClient(client: Client | undefined): void {
  current = client;
}

/** The current client, or a clear error when none was created. */
export function currentClient(): Client {
  if (!current) {
    throw new ConfigError("No client to send through: call createClient(...) first (it becomes the current client), or use client.send(name, input).");
  }
  return current;
}
