/**
 * The first step of every signed route (`/tasks/:name`, `/schedules/:name`): read the body within
 * the size limit and verify the broker's signature over those exact bytes.
 * @module
 */
import { hasName } from "../errors.ts";
import type { Outcome } from "../execution/outcome.ts";
import { UPSTASH_SIGNATURE } from "../headers.ts";
import type { Verifier } from "../verify/verifier.ts";
import { readBody } from "./read-body.ts";

/**
 * The verified body text, or the refusal to answer (413 too large, 401 bad signature).
 * `consequence` ends the 401 message, e.g. "The task did not run."
 */
export async function readVerifiedBody(
  req: Request,
  o: { verifier: Verifier; maxBodyBytes: number; url: string; consequence: string },
): Promise<string | Extract<Outcome, { kind: "refuse" }>> {
  const body = await readBody(req, o.maxBodyBytes);
  if (typeof body !== "string") return { kind: "refuse", status: 413, error: body.error };
  try {
    await o.verifier.verify({ signature: req.headers.get(UPSTASH_SIGNATURE), body, url: o.url });
  } catch (error) {
    if (!hasName(error, "SignatureError")) throw error;
    return { kind: "refuse", status: 401, error: `Signature check failed: ${(error as Error).message}. ${o.consequence}` };
  }
  return body;
}
