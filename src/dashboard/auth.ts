/**
 * Who may use the dashboard. Signing in with the API token sets a session cookie (HttpOnly,
 * SameSite=Strict, Secure over https) holding an expiry and an HMAC of it keyed by the token:
 * stateless (no Redis), never the token itself, and void as soon as the token changes. The JSON
 * API also takes `Authorization: Bearer <token>`. Every request that changes something must come
 * from the dashboard's own pages: a cross-site one (`Sec-Fetch-Site`, else `Origin`) is refused.
 * @module
 */
import type { Context } from "hono";
import { AUTHORIZATION } from "../headers.ts";
import { base64url } from "../util/base64url.ts";
import { bearerToken, timingSafeEqual } from "../worker/auth.ts";

/** The session cookie's name. */
export const SESSION_COOKIE = "celeriac_session";

const encoder = new TextEncoder();

async function mac(token: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", encoder.encode(`celeriac-dashboard:${token}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return base64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}

/** A session value valid until `expiresMs`. */
export async function newSession(token: string, expiresMs: number): Promise<string> {
  const exp = String(Math.floor(expiresMs));
  return `${exp}.${await mac(token, exp)}`;
}

/** True when `value` is a session made with `token` that has not expired at `now`. */
export async function validSession(token: string, value: string | undefined, now: number): Promise<boolean> {
  const dot = value?.indexOf(".") ?? -1;
  if (!value || dot < 1) return false;
  const exp = value.slice(0, dot);
  if (!/^\d+$/.test(exp) || Number(exp) <= now) return false;
  return timingSafeEqual(value.slice(dot + 1), await mac(token, exp));
}

/** The value of cookie `name` in a `Cookie` header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** True when the request reached us over https (directly, or behind a proxy that says so). */
export function isHttps(c: Context): boolean {
  return new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";
}

/** The `Set-Cookie` value of a session (`value` empty and `maxAgeSec` 0 to sign out). */
export function sessionCookie(value: string, maxAgeSec: number, path: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=${path}; Max-Age=${maxAgeSec}; HttpOnly; SameSite=Strict${secure ? "; Secure" : ""}`;
}

/** How a request is signed in: `session`, `bearer`, or not (`none`, `wrong`). */
export async function credentialOf(c: Context, token: string, now: number): Promise<"session" | "bearer" | "wrong" | "none"> {
  const bearer = bearerToken(c.req.header(AUTHORIZATION));
  if (bearer) return (await timingSafeEqual(bearer, token)) ? "bearer" : "wrong";
  const session = cookieValue(c.req.header("cookie"), SESSION_COOKIE);
  if (session === undefined) return "none";
  return (await validSession(token, session, now)) ? "session" : "wrong";
}

/**
 * Why a request that changes something is refused as cross-site, or undefined when it comes
 * from the dashboard's own origin. Browsers send `Sec-Fetch-Site` (and `Origin` on every POST);
 * a request with neither is not a browser form, and is accepted only with a bearer token.
 */
export function crossSite(c: Context, origins: readonly string[], bearer: boolean): string | undefined {
  const site = c.req.header("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return `Sec-Fetch-Site: ${site}`;
  const origin = c.req.header("origin");
  if (origin !== undefined) return origins.includes(origin) ? undefined : `Origin: ${origin}`;
  if (!site && !bearer) return "no Origin";
  return undefined;
}

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]", "::1"]);

/** True when the request names a loopback host (`Host`), so it came to a loopback listener. */
export function loopbackHost(c: Context): boolean {
  const host = c.req.header("host") ?? new URL(c.req.url).host;
  return LOOPBACK.has(host.replace(/:\d+$/, "").toLowerCase()) || /^127\.\d+\.\d+\.\d+(:\d+)?$/.test(host);
}
