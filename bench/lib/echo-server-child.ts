/**
 * Child-process entry for bench/http-clients.ts: a keep-alive `node:http` server and a keep-alive
 * `node:https` one (the self-signed certificate of test/node/http/fixtures), each answering every
 * POST with a small JSON body, as the Redis REST bridge answers a command. It runs in a process of
 * its own so that the client process's CPU is the client's alone. Calls: `urls`, `close`.
 * @module
 */
import { readFileSync } from "node:fs";
import http, { type IncomingMessage, type ServerResponse } from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { serveCalls } from "./child.ts";

const fixture = (name: string) => readFileSync(new URL(`../../test/node/http/fixtures/${name}`, import.meta.url), "utf8");
const ANSWER = JSON.stringify({ result: "OK", value: "x".repeat(64) });

function answer(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(ANSWER) });
    res.end(ANSWER);
  });
}

const options = { keepAliveTimeout: 60_000 };
const servers = [http.createServer(options, answer), https.createServer({ ...options, cert: fixture("localhost-cert.pem"), key: fixture("localhost-key.pem") }, answer)];
const listening = Promise.all(servers.map((s) => new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve))));

serveCalls(async (op) => {
  await listening;
  if (op !== "urls") throw new Error(`unknown call ${op}`);
  const [h, tls] = servers.map((s) => (s.address() as AddressInfo).port);
  return { http: `http://127.0.0.1:${h}`, https: `https://127.0.0.1:${tls}` };
}, async () => {
  for (const s of servers) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});
