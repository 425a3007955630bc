/**
 * Send a canvas (a signature, chain, group or chord) from a client or from inside a task: check
 * its task names against the registry when there is one, freeze it (ids), attach the send's
 * callbacks, publish its first calls, and answer its result ids.
 * @module
 */
import { attachCallbacks, freeze, type ResultIds, resultIds, signaturesOf } from "../canvas/freeze.ts";
import type { Canvas } from "../canvas/signature.ts";
import { NotRegistered } from "../errors.ts";

/** What checking names needs: a registry, or a manifest's lookup. */
export interface TaskLookup {
  find(name: string): unknown;
  names?(): string[];
}
import type { SendOptions } from "../task/send-options.ts";
import { type CanvasPublishing, publishCanvas } from "./publish-canvas.ts";

/** Throw `NotRegistered` for the first call naming a task `registry` does not know. */
export function checkCanvas(canvas: Canvas, registry: TaskLookup | undefined): void {
  if (!registry) return;
  for (const sig of signaturesOf(canvas)) if (!registry.find(sig.task)) throw new NotRegistered(sig.task, registry.names?.() ?? []);
}

/** Publish `canvas`; its result ids (a chain's last step's, a group's members'). */
export async function sendCanvas(p: CanvasPublishing & { registry?: TaskLookup | undefined }, canvas: Canvas, options: SendOptions = {}): Promise<ResultIds> {
  checkCanvas(canvas, p.registry);
  const frozen = attachCallbacks(freeze(canvas), toList(options.link), toList(options.linkError));
  await publishCanvas(p, frozen, undefined, { parentId: options.parentId, rootId: options.rootId });
  return resultIds(frozen);
}

function toList(c: Canvas | Canvas[] | undefined): Canvas[] | undefined {
  return c === undefined ? undefined : Array.isArray(c) ? c : [c];
}
