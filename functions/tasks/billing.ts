/**
 * `billing_charge_card`: an expensive call that must run at most once (seed 000: "is it okay if
 * the task is executed multiple times… or should it run only once and risk not being executed?").
 * Ack early (the default) means a started attempt never runs again, no automatic retries, and
 * an idempotency key at send time means a double click publishes once.
 */
import { z } from "zod";
import { task } from "../../src/index.ts";

export const chargeCard = task({
  name: "billing_charge_card",
  description: "Charge a card once. Send it with an idempotencyKey such as the order id.",
  input: z.object({ orderId: z.string(), amountCents: z.number().int().positive(), currency: z.string().length(3) }),
  maxRetries: 0,
  trackStarted: true,
  throws: ["CardDeclinedError"],
}, async ({ orderId, amountCents, currency }, ctx) => {
  ctx.log.info(`charging order ${orderId}: ${amountCents} ${currency}`);
  if (amountCents > 1_000_000) {
    const declined = new Error(`card declined for order ${orderId}: amount over the limit`);
    declined.name = "CardDeclinedError";
    throw declined;
  }
  return { orderId, chargeId: `ch_${crypto.randomUUID().slice(0, 8)}`, amountCents, currency };
});
