/**
 * The Node-specific parts of a fast local broker: keep-alive node:http delivery and the
 * node:crypto signer. Spread into `createLocalBroker({ ...nodeBrokerOptions(), … })`.
 * @module
 */

import { createNodeSigner } from "./signer.ts";
import { createNodeDeliver, type NodeDeliver } from "../http/node-fetch.ts";

/** `{ deliver, createSigner }` for Node; call `deliver.close()` after the broker closed. */
export function nodeBrokerOptions(): { deliver: NodeDeliver; createSigner: typeof createNodeSigner } {
  return { deliver: createNodeDeliver(), createSigner: createNodeSigner };
}
