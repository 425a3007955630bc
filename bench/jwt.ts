/**
 * The cost of one `Upstash-Signature` on Node, per implementation: verifying a delivery token
 * (the worker's side), reading one (the verifiers' token reader against a Buffer one), and
 * signing one (the local broker's side, body hash included), in one process, no I/O. Decides which verifier and signer Node uses (src/node/verifier.ts,
 * src/node/broker/signer.ts state the figures).
 *
 * Each row: a warm-up, then `--n` operations one after the other (each awaited: the latency of
 * one) and `--n` with 64 in flight (the throughput of a busy worker), three rounds with the rows
 * interleaved; the median round is printed as µs of wall time per token, tokens/s, and µs of
 * process CPU per token (Web Crypto's thread-pool threads included).
 *
 * The token is a real delivery's: a task envelope of ≈190 bytes to `/tasks/math_add`, signed
 * with the public dev key.
 *
 *   node --import tsx bench/jwt.ts [--n 20000]
 * @module
 */
import { createHash } from "node:crypto";
import { decodeBase64Url } from "hono/utils/encode";
import { decode, isTokenHeader, sign as honoSign, verify as honoVerify } from "hono/utils/jwt/jwt";
import { createNodeSigner, createNodeVerifier } from "../src/adapters/node.ts";
import { DEV_CURRENT_SIGNING_KEY, DEV_NEXT_SIGNING_KEY } from "../src/broker/local/index.ts";
import { createJwtVerifier, createQStashVerifier } from "../src/qstash.ts";
import { runPool } from "./lib/pool.ts";

const argv = process.argv.slice(2);
const at = argv.indexOf("--n");
const N = at >= 0 ? Number(argv[at + 1]) : 20_000;
const ROUNDS = 3;

const keys = { currentSigningKey: DEV_CURRENT_SIGNING_KEY, nextSigningKey: DEV_NEXT_SIGNING_KEY };
const url = "http://127.0.0.1:8787/tasks/math_add";
const body = JSON.stringify({ v: 1, id: crypto.randomUUID(), task: "math_add", input: { a: 1, b: 2 }, retries: 0, eta: null, expires: null, sentAt: new Date().toISOString() });
const bodyBytes = new TextEncoder().encode(body);
const nodeSigner = createNodeSigner(DEV_CURRENT_SIGNING_KEY);
/** The node:crypto signer answers synchronously (the broker's delivery path relies on it). */
const nodeBodyHash = nodeSigner.bodyHash as (bytes: Uint8Array) => string;
const signature = await nodeSigner.sign({ url, bodyHash: nodeBodyHash(bodyBytes), nowSec: Date.now() / 1000 });
const encoder = new TextEncoder();

const honoKey = await crypto.subtle.importKey("raw", encoder.encode(DEV_CURRENT_SIGNING_KEY), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);

/** What a verifier on Hono's whole `verify` does for a good token: Hono's checks (header, HMAC, iss, exp, nbf), then `sub` and the body hash. */
async function honoVerifyDelivery(hash: (text: string) => string | Promise<string>): Promise<void> {
  const claims = await honoVerify(signature, honoKey, { alg: "HS256", iss: "Upstash" });
  if (claims.sub !== url || String(claims.body).replace(/=+$/, "") !== (await hash(body))) throw new Error("bench token refused");
}
const webHash = async (text: string) => Buffer.from(await crypto.subtle.digest("SHA-256", encoder.encode(text))).toString("base64url");
const nodeHash = (text: string) => createHash("sha256").update(text).digest("base64url");

/** A Buffer reader as `createNodeVerifier` had before Hono's `decode` (the header parsed only when it changes): what Hono's reader costs on Node. */
let knownHeader: string | undefined;
function bufferReader(token: string): unknown {
  const [header, payload, mac] = token.split(".");
  if (header !== knownHeader) {
    if ((JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as { alg?: string }).alg !== "HS256") throw new Error("bench token refused");
    knownHeader = header;
  }
  return [Buffer.from(mac, "base64url"), JSON.parse(Buffer.from(payload, "base64url").toString("utf8"))];
}

/** What every verifier's token reader (src/verify/jwt-verifier.ts `readToken`) runs for a good token. */
function honoReader(token: string): unknown {
  const { header, payload } = decode(token);
  if (!isTokenHeader(header) || header.alg !== "HS256") throw new Error("bench token refused");
  return [decodeBase64Url(token.slice(token.lastIndexOf(".") + 1)), payload];
}

const honoSignKey = await crypto.subtle.importKey("raw", encoder.encode(DEV_CURRENT_SIGNING_KEY), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);

type Row = [label: string, op: () => unknown];
const verifyInput = { signature, body, url };
const verifiers: Row[] = [
  ["verify: official Receiver (createQStashVerifier, jose)", ((v) => () => v.verify(verifyInput))(createQStashVerifier(keys))],
  ["verify: Hono verify + sub + body hash (all Web Crypto)", () => honoVerifyDelivery(webHash)],
  ["verify: Hono verify + sub + body hash (node:crypto hash)", () => honoVerifyDelivery(nodeHash)],
  ["verify: createJwtVerifier (the Workers verifier)", ((v) => () => v.verify(verifyInput))(createJwtVerifier(keys))],
  ["verify: createNodeVerifier (node:crypto)", ((v) => () => v.verify(verifyInput))(createNodeVerifier(keys))],
];
const readers: Row[] = [
  ["read: Hono decode + isTokenHeader (every verifier's reader)", () => honoReader(signature)],
  ["read: Buffer split + JSON.parse, header cached", () => bufferReader(signature)],
];
/** Per delivery the broker hashes the body and signs a fresh token (its own jti). */
const signers: Row[] = [
  [
    "sign: Hono sign (Web Crypto) + node:crypto body hash",
    () => {
      const iat = Math.floor(Date.now() / 1000);
      // QStash's claims, as createNodeSigner writes them (a token lives 300 s).
      const claims = { iss: "Upstash", sub: url, exp: iat + 300, nbf: 0, iat, jti: `jwt_${crypto.randomUUID()}`, body: `${nodeHash(body)}=` };
      return honoSign(claims, honoSignKey, "HS256");
    },
  ],
  ["sign: createNodeSigner (node:crypto)", () => nodeSigner.sign({ url, bodyHash: nodeBodyHash(bodyBytes), nowSec: Date.now() / 1000 })],
];

interface Figures {
  wallUs: number;
  cpuUs: number;
  perSec: number;
}

async function measure(op: () => unknown, inFlight: number): Promise<Figures> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  if (inFlight === 1) for (let i = 0; i < N; i++) await op();
  else await runPool(N, inFlight, async () => op());
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  return { wallUs: (ms * 1000) / N, cpuUs: (cpu.user + cpu.system) / N, perSec: Math.round(N / (ms / 1000)) };
}

const median = (xs: Figures[]) => [...xs].sort((a, b) => a.wallUs - b.wallUs)[Math.floor(xs.length / 2)];
const fmt = (f: Figures) => `${f.wallUs.toFixed(1).padStart(6)} µs ${String(f.perSec).padStart(7)}/s  CPU ${f.cpuUs.toFixed(1).padStart(6)} µs`;

async function table(title: string, rows: Row[]): Promise<void> {
  for (const [, op] of rows) await runPool(2000, 64, async () => op()); // warm-up (JIT, key imports)
  const results = rows.map(() => ({ one: [] as Figures[], many: [] as Figures[] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, op]] of rows.entries()) {
      results[i].one.push(await measure(op, 1));
      results[i].many.push(await measure(op, 64));
    }
  }
  console.log(`\n${title} (${N} tokens, median of ${ROUNDS} rounds)`);
  console.log(`${"".padEnd(56)} ${"one at a time".padEnd(36)} 64 in flight`);
  for (const [i, [label]] of rows.entries()) {
    const one = median(results[i].one);
    const many = median(results[i].many);
    console.log(`${label.padEnd(56)} ${fmt(one)}   ${fmt(many)}`);
    console.log(JSON.stringify({ type: "jwt", label, n: N, one, many }));
  }
}

console.log(`node ${process.version}; ${body.length}-byte body; token ${signature.length} chars`);
await table("Verify a delivery token", verifiers);
await table("Read a token (no cryptography)", readers);
await table("Sign a delivery (body hash + token)", signers);
