/**
 * `main_send_email`: the seeds' send-by-name example. Callers send it by name without importing
 * it: `client.send("main_send_email", { to, subject, content })`. The transport is pluggable; in
 * development it logs the message instead of sending it.
 */
import { z } from "zod";
import { task } from "../../src/index.ts";

/** Something that can deliver an email. */
export interface EmailTransport {
  send(message: { to: string; subject: string; content: string }): Promise<{ messageId: string }>;
}

/** The development transport: logs the email and pretends it was sent. */
export const logTransport: EmailTransport = {
  async send(message) {
    console.log(`[email] to=${message.to} subject=${JSON.stringify(message.subject)}\n${message.content}`);
    return { messageId: `dev-${crypto.randomUUID()}` };
  },
};

let transport: EmailTransport = logTransport;

/** Replace the transport (production wiring, or tests). */
export function setEmailTransport(t: EmailTransport): void {
  transport = t;
}

export const sendEmail = task({
  name: "main_send_email",
  description: "Send one email through the configured transport.",
  input: z.object({ to: z.email(), subject: z.string().min(1), content: z.string() }),
  output: z.object({ messageId: z.string() }),
  // An email sent twice is worse than one not sent: ack early (the default), no autoretry.
  ignoreResult: false,
  rateLimit: "100/m",
}, async (input) => await transport.send(input));
