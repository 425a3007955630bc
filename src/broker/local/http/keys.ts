/**
 * `GET /v2/keys` and `POST /v2/keys/rotate`: `{current, next}` signing keys.
 * @module
 */

import type { RouteContext } from "./context.ts";

export function keyRoutes({ app, engine }: RouteContext): void {
  app.get("/v2/keys", (c) => c.json(engine.keys));
  app.post("/v2/keys/rotate", (c) => c.json(engine.rotateKeys()));
}
