/**
 * HTTP/1.1 on the wire for the socket client (`socket-client.ts`): a request's head, validated as
 * node:http validates it, and a response read from a connection's bytes: the status line and
 * headers, then the body framed by Content-Length, chunked encoding or the end of the connection;
 * interim 1xx answers skipped; whether the connection may carry another request. It exists for
 * the socket client, whose header gives the measured reason for it.
 * @module
 */
import type { RawDeliveryRequest } from "../../broker/local/delivery/delivery.ts";
import { HEADER_NAME, HeaderMap } from "../../util/header-map.ts";

/** What a header value may not hold (the same rule as node:http: no control characters but tab, nothing above U+00FF). */
const BAD_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
const CRLF2 = Buffer.from("\r\n\r\n");
/** `HTTP/1.x NNN`, then a reason phrase or the end of the line. */
const STATUS_LINE = /^HTTP\/1\.[01] \d{3}(?: |\r|$)/;
/** Headers this client writes itself (from the URL and the body), never copied from the request. */
const FRAMING_HEADERS = new Set(["host", "content-length", "connection", "transfer-encoding"]);
/** Statuses whose response has no body whatever its headers say. */
const NO_BODY_STATUS = new Set([204, 304]);

/** The request's head, validated: a header HTTP cannot carry is refused, as node:http refuses it. */
export function requestHead(request: RawDeliveryRequest, path: string, host: string): string {
  let head = `${request.method} ${path} HTTP/1.1\r\nHost: ${host}\r\n`;
  const headers = request.headers;
  for (const name in headers) {
    const value = headers[name];
    if (!HEADER_NAME.test(name)) throw new TypeError(`header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    if (BAD_VALUE.test(value)) throw new TypeError(`header ${name} holds characters an HTTP header cannot carry (a line break, a control character or one above U+00FF): ${JSON.stringify(value)}`);
    if (FRAMING_HEADERS.has(name.toLowerCase())) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (request.body) head += `Content-Length: ${request.body.byteLength}\r\n`;
  return `${head}\r\n`;
}

/** How the body of a parsed response head is framed. */
type Framing = { kind: "none" } | { kind: "length"; length: number } | { kind: "chunked" } | { kind: "close" };

/** One response being read from a socket. */
export class ResponseReader {
  status = 0;
  headers = new HeaderMap();
  keepAlive = true;
  framing: Framing | undefined;
  #buffer: Buffer = Buffer.alloc(0);
  #body: Buffer[] = [];
  /** Chunked decoding: bytes of the current chunk still to copy, or -1 when a size line comes next. */
  #chunkLeft = -1;
  #trailers = false;
  /** Bytes received for this response (a stale socket is one that closed before any). */
  received = 0;

  constructor(readonly headRequest: boolean) {}

  /** Feed bytes; returns the body once the response is complete, else undefined. Throws on a malformed response. */
  push(chunk: Buffer): Buffer | undefined {
    this.received += chunk.length;
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    while (this.framing === undefined) {
      const end = this.#buffer.indexOf(CRLF2);
      if (end < 0) {
        if (this.#buffer.length > 64 * 1024) throw new Error("the response head is over 64 KiB");
        return undefined;
      }
      this.#parseHead(this.#buffer.toString("latin1", 0, end));
      this.#buffer = this.#buffer.subarray(end + 4);
    }
    return this.#readBody();
  }

  /** The connection ended: completes a body framed by the end of the connection. */
  end(): Buffer | undefined {
    return this.framing?.kind === "close" ? this.#joined() : undefined;
  }

  #parseHead(text: string): void {
    if (!STATUS_LINE.test(text)) {
      throw new Error(`the destination did not answer with HTTP/1.x (status line ${JSON.stringify(text.split("\r\n", 1)[0].slice(0, 80))})`);
    }
    const status = Number(text.slice(9, 12));
    const minor = text.charCodeAt(7) - 48;
    const headers = new HeaderMap();
    let at = text.indexOf("\r\n");
    while (at >= 0) {
      const start = at + 2;
      at = text.indexOf("\r\n", start);
      const line = at < 0 ? text.slice(start) : text.slice(start, at);
      const colon = line.indexOf(":");
      if (colon <= 0) throw new Error(`malformed response header line ${JSON.stringify(line.slice(0, 80))}`);
      headers.append(line.slice(0, colon), line.slice(colon + 1).trim());
    }
    // An interim answer (100 Continue, 103 Early Hints): the real one follows.
    if (status >= 100 && status < 200 && status !== 101) return;
    this.status = status;
    this.headers = headers;
    const connection = (headers.get("connection") ?? "").toLowerCase();
    this.keepAlive = minor === 1 ? !connection.includes("close") : connection.includes("keep-alive");
    const te = headers.get("transfer-encoding");
    const cl = headers.get("content-length");
    if (this.headRequest || NO_BODY_STATUS.has(status) || status === 101) this.framing = { kind: "none" };
    else if (te !== null && te.toLowerCase().includes("chunked")) this.framing = { kind: "chunked" };
    else if (cl !== null) {
      // Digits only; a repeated header must repeat the same value (RFC 9110 §8.6).
      const values = cl.split(",").map((v) => v.trim());
      const length = Number(values[0]);
      if (!values.every((v) => v === values[0] && /^\d{1,15}$/.test(v))) throw new Error(`malformed Content-Length ${JSON.stringify(cl)}`);
      this.framing = { kind: "length", length };
    } else {
      this.framing = { kind: "close" };
      this.keepAlive = false;
    }
    if (status === 101) this.keepAlive = false;
  }

  #readBody(): Buffer | undefined {
    const framing = this.framing!;
    if (framing.kind === "none") return this.#done(Buffer.alloc(0));
    if (framing.kind === "length") {
      if (this.#buffer.length < framing.length) return undefined;
      const body = this.#buffer.subarray(0, framing.length);
      this.#buffer = this.#buffer.subarray(framing.length);
      return this.#done(body);
    }
    if (framing.kind === "close") {
      this.#body.push(this.#buffer);
      this.#buffer = Buffer.alloc(0);
      return undefined;
    }
    return this.#readChunks();
  }

  #readChunks(): Buffer | undefined {
    for (;;) {
      if (this.#trailers) {
        // Trailer lines until an empty one; none are kept.
        const eol = this.#buffer.indexOf("\r\n");
        if (eol < 0) return undefined;
        this.#buffer = this.#buffer.subarray(eol + 2);
        if (eol === 0) return this.#done(this.#joined());
        continue;
      }
      if (this.#chunkLeft < 0) {
        const eol = this.#buffer.indexOf("\r\n");
        if (eol < 0) {
          if (this.#buffer.length > 4096) throw new Error("malformed chunked response: a chunk size line over 4 KiB");
          return undefined;
        }
        const sizeText = this.#buffer.toString("latin1", 0, eol).split(";")[0].trim();
        const size = /^[0-9a-fA-F]{1,12}$/.test(sizeText) ? parseInt(sizeText, 16) : NaN;
        if (Number.isNaN(size)) throw new Error(`malformed chunked response: chunk size ${JSON.stringify(sizeText.slice(0, 20))}`);
        this.#buffer = this.#buffer.subarray(eol + 2);
        if (size === 0) {
          this.#trailers = true;
          continue;
        }
        this.#chunkLeft = size;
      }
      // The chunk's data, then its CRLF.
      if (this.#chunkLeft > 0) {
        if (this.#buffer.length === 0) return undefined;
        const take = Math.min(this.#chunkLeft, this.#buffer.length);
        this.#body.push(this.#buffer.subarray(0, take));
        this.#buffer = this.#buffer.subarray(take);
        this.#chunkLeft -= take;
        if (this.#chunkLeft > 0) return undefined;
      }
      if (this.#buffer.length < 2) return undefined;
      if (this.#buffer[0] !== 13 || this.#buffer[1] !== 10) throw new Error("malformed chunked response: no CRLF after a chunk");
      this.#buffer = this.#buffer.subarray(2);
      this.#chunkLeft = -1;
    }
  }

  #joined(): Buffer {
    return this.#body.length === 1 ? this.#body[0] : Buffer.concat(this.#body);
  }

  #done(body: Buffer): Buffer {
    // Bytes after the response on a connection with no request outstanding: do not reuse it.
    if (this.#buffer.length > 0) this.keepAlive = false;
    return body;
  }
}
