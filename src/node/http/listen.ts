/**
 * Listening with `@hono/node-server`, where a port in use or an address that is not this
 * machine's becomes a `ConfigError` that says what to do (the dev server, the broker and the
 * Redis REST bridge all listen through it), with the limits of server-limits.ts (slow headers, slow
 * bodies, idle sockets, too many connections). Server side: nothing here is an HTTP client.
 * @module
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import { ConfigError } from "../../errors.ts";
import { applyServerLimits, limitServerOptions, type ServerLimits } from "./server-limits.ts";

/** Serves `fetch` on `host:port` (0 picks a free port) within `limits`; resolves once it listens. */
export function listenHttp(
  fetch: (request: Request) => Response | Promise<Response>,
  host: string,
  port: number,
  limits: ServerLimits = {},
): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const serverOptions = limitServerOptions(limits); // a bad limit rejects here, before listening
    const server = serve({ fetch, hostname: host, port, serverOptions }) as Server;
    applyServerLimits(server, limits);
    server.once("listening", () => resolve({ server, port: (server.address() as AddressInfo).port }));
    server.once("error", (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
  });
}

/** A listen failure in words, with what to do; other errors are returned as they are. */
export function listenError(error: NodeJS.ErrnoException, host: string, port: number): Error {
  switch (error.code) {
    case "EADDRINUSE":
      return new ConfigError(`port ${port} is in use on ${host}. Stop the other process or pass --port <n> (0 picks a free one).`, { cause: error });
    case "EACCES":
      return new ConfigError(`no permission to listen on port ${port} of ${host}. Pass --port 1024 or higher (0 picks a free one).`, { cause: error });
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return new ConfigError(`cannot listen on ${host}: it is not an address of this machine. Pass --host 127.0.0.1 (or 0.0.0.0 for every interface).`, { cause: error });
    default:
      return error;
  }
}
