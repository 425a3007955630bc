/**
 * The sign-in form: the API token goes in a POST body, never in a URL.
 * @module
 */
import { html } from "hono/html";
import type { Html } from "./format.ts";
import { notice } from "./layout.ts";

/** The sign-in section. */
export function signInView(o: { base: string; next?: string; error?: string; disabled?: boolean }): Html {
  return html`<section class="signin card">
  <h1>Sign in</h1>
  ${o.disabled
    ? notice("error", html`The dashboard is off: this worker has no API token. Set <code>CELERIAC_API_TOKEN</code> and restart it.`)
    : html`${o.error ? notice("error", o.error) : ""}
  <form method="post" action="${o.base}/sign-in">
    <label for="token">API token <span class="muted">(<code>CELERIAC_API_TOKEN</code>)</span></label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    ${o.next ? html`<input type="hidden" name="next" value="${o.next}">` : ""}
    <button class="primary">Sign in</button>
  </form>
  <p class="muted small">Signing in sets a session cookie for this site (HttpOnly, SameSite=Strict) that lasts until you sign out or it expires.</p>`}
</section>`;
}
