/**
 * The dashboard's one script, served at `<path>/assets/app.js`: refreshes the parts marked
 * `data-live` (the server renders them, escaped; every `data-every` ms, else the page's refresh
 * interval) while the tab is visible, keeps relative
 * times current, and submits filter selects on change. No framework, no inline script.
 * @module
 */

export const SCRIPT = `(() => {
  "use strict";
  const every = Number(document.documentElement.dataset.refresh) || 2000;
  const live = document.getElementById("live");
  const rel = (t) => {
    const d = Math.round((t - Date.now()) / 1000), a = Math.abs(d);
    const x = a < 5 ? "" : a < 60 ? a + " s" : a < 3600 ? Math.floor(a / 60) + " min" : a < 86400 ? Math.floor(a / 3600) + " h" : Math.floor(a / 86400) + " d";
    return !x ? "just now" : d < 0 ? x + " ago" : "in " + x;
  };
  const times = () => {
    for (const el of document.querySelectorAll("time[data-rel]")) {
      const t = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(t)) el.textContent = rel(t);
    }
  };
  const last = new WeakMap();
  const due = new WeakMap();
  let busy = false;
  const refresh = async () => {
    if (busy || document.hidden) return;
    busy = true;
    try {
      for (const el of document.querySelectorAll("[data-live]")) {
        const at = Date.now();
        if (at - (due.get(el) ?? 0) < (Number(el.dataset.every) || every) - 50) continue;
        due.set(el, at);
        const res = await fetch(el.dataset.live, { credentials: "same-origin", headers: { "x-celeriac-live": "1" } });
        if (res.status === 401) { location.reload(); return; }
        if (!res.ok) throw new Error(String(res.status));
        const text = await res.text();
        if (last.get(el) !== text) { el.innerHTML = text; last.set(el, text); }
      }
      times();
      if (live) live.className = "live on";
    } catch {
      if (live) live.className = "live off";
    } finally {
      busy = false;
    }
  };
  if (document.querySelector("[data-live]")) {
    for (const el of document.querySelectorAll("[data-live]")) due.set(el, Date.now());
    if (live) live.className = "live on";
    setInterval(refresh, every);
    document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  } else if (live) live.hidden = true;
  setInterval(times, 1000);
  for (const el of document.querySelectorAll("select[data-autosubmit]")) el.addEventListener("change", () => el.form.requestSubmit());
})();
`;
