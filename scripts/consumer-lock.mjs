// Writes <dir>/package.json + package-lock.json for a consumer project that installs the packed
// celeriac tarball plus the given extra deps, taking every version and integrity from this repo's
// package-lock.json, so `npm ci --offline` works from the local cache. (npm 11 `npm install
// --offline <tgz>` needs *full* packuments, which `npm ci` never caches, so it fails ENOTCACHED.)
// usage: node scripts/consumer-lock.mjs <consumerDir> <tarball> [--omit-dev-like] [extraDep ...]
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { relative, resolve } from "node:path";

const [dir, tgz, ...extra] = process.argv.slice(2);
const repoLock = JSON.parse(readFileSync(new URL("../package-lock.json", import.meta.url), "utf8"));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const all = repoLock.packages;
const out = {};
// Node-style lookup of `name` from lockfile path `from` (hoisted layout).
function locate(from, name) {
  let base = from;
  for (;;) {
    const p = (base ? `${base}/` : "") + `node_modules/${name}`;
    if (all[p]) return p;
    if (!base) return undefined;
    const i = base.lastIndexOf("/node_modules/");
    base = i < 0 ? "" : base.slice(0, i);
  }
}
// Peers npm installs by itself (npm 7+): the non-optional ones.
function requiredPeers(p) {
  return Object.fromEntries(Object.entries(p.peerDependencies ?? {}).filter(([n]) => !p.peerDependenciesMeta?.[n]?.optional));
}
function walk(from, deps, optional) {
  for (const name of Object.keys(deps ?? {})) {
    const p = locate(from, name);
    if (!p) { if (optional) continue; throw new Error(`${name} (from ${from || "root"}) not in package-lock.json`); }
    if (out[p]) continue;
    const { dev, devOptional, peer, ...entry } = all[p];
    out[p] = entry;
    walk(p, entry.dependencies, false);
    walk(p, entry.optionalDependencies, true);
    walk(p, requiredPeers(entry), true);
  }
}
const celeriacDeps = { ...pkg.dependencies, ...requiredPeers(pkg) };
walk("", celeriacDeps, false);
const extraDeps = {};
for (const name of extra) { const p = locate("", name); extraDeps[name] = all[p].version; walk("", { [name]: 1 }, false); }
mkdirSync(dir, { recursive: true });
const spec = `file:${relative(resolve(dir), resolve(tgz))}`;
const integrity = "sha512-" + createHash("sha512").update(readFileSync(tgz)).digest("base64");
const rootPkg = { name: "celeriac-consumer", version: "0.0.0", private: true, type: "module", dependencies: { celeriac: spec, ...extraDeps } };
const lock = {
  name: rootPkg.name, version: rootPkg.version, lockfileVersion: 3, requires: true,
  packages: {
    "": { name: rootPkg.name, version: rootPkg.version, dependencies: rootPkg.dependencies },
    "node_modules/celeriac": {
      version: pkg.version, resolved: spec, integrity, license: pkg.license,
      ...(pkg.dependencies && { dependencies: pkg.dependencies }),
      ...(pkg.peerDependencies && { peerDependencies: pkg.peerDependencies }),
      ...(pkg.peerDependenciesMeta && { peerDependenciesMeta: pkg.peerDependenciesMeta }),
      ...(pkg.bin && { bin: pkg.bin }), ...(pkg.engines && { engines: pkg.engines }),
    },
    ...Object.fromEntries(Object.entries(out).sort(([a], [b]) => a.localeCompare(b))),
  },
};
writeFileSync(`${dir}/package.json`, JSON.stringify(rootPkg, null, 2) + "\n");
writeFileSync(`${dir}/package-lock.json`, JSON.stringify(lock, null, 2) + "\n");
console.log(`consumer-lock: ${Object.keys(out).length + 1} packages`);
