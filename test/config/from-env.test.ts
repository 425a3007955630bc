import { describe, expect, it } from "vitest";
import { MemoryBackend } from "../../src/testing/index.ts";
import { ENV_VARIABLES, fromEnv, type RuntimeName } from "../../src/config/from-env.ts";
import { ConfigError } from "../../src/errors.ts";

const FULL = {
  UPSTASH_REDIS_REST_URL: "https://eu1-example.upstash.io",
  UPSTASH_REDIS_REST_TOKEN: "redis-token",
  QSTASH_TOKEN: "qstash-token",
  QSTASH_CURRENT_SIGNING_KEY: "sig_current000000000000000000",
  QSTASH_NEXT_SIGNING_KEY: "sig_next000000000000000000000",
  CELERIAC_URL: "https://tasks.example.workers.dev/",
  CELERIAC_API_TOKEN: "api-token",
};
const REQUIRED = Object.keys(FULL);

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error("expected a ConfigError");
}

describe("fromEnv", () => {
  it("fromEnv builds the production parts from the seven variables", () => {
    const config = fromEnv(FULL);
    expect(config.backend.kind).toBe("redis");
    expect(config.publicUrl).toBe("https://tasks.example.workers.dev");
    expect(config.apiToken).toBe("api-token");
    expect(config.resultExpires).toBe(86_400);
    expect(typeof config.broker.publish).toBe("function");
    expect(typeof config.verifier.verify).toBe("function");
  });

  it("fromEnv reads CELERIAC_RESULT_EXPIRES as seconds or a duration", () => {
    expect(fromEnv({ ...FULL, CELERIAC_RESULT_EXPIRES: "3600" }).resultExpires).toBe(3600);
    expect(fromEnv({ ...FULL, CELERIAC_RESULT_EXPIRES: "2d" }).resultExpires).toBe(172_800);
  });

  const advice: Record<RuntimeName, RegExp[]> = {
    cloudflare: [/wrangler secret put QSTASH_TOKEN/, /\.dev\.vars/, /CELERIAC_URL = "…" under \[vars\] in wrangler\.toml/],
    deno: [/deno run --env-file=\.env/, /environment variables/, /--allow-env/],
    node: [/export QSTASH_TOKEN=/, /node --env-file=\.env/],
  };
  for (const runtime of ["cloudflare", "deno", "node"] as const) {
    it(`fromEnv on ${runtime} throws one ConfigError naming every missing variable and how to set it there`, () => {
      const err = configError(() => fromEnv({}, { runtime }));
      for (const name of REQUIRED) expect(err.message).toContain(`${name} is missing`);
      expect(err.message).toContain(`${REQUIRED.length} environment variables need attention`);
      for (const pattern of advice[runtime]) expect(err.message).toMatch(pattern);
      expect(err.message).not.toContain("QSTASH_URL is missing");
      expect(err.message).not.toContain("CELERIAC_RESULT_EXPIRES is missing");
    });
  }

  it("fromEnv names only the variable that is missing", () => {
    const { QSTASH_NEXT_SIGNING_KEY: _, ...env } = FULL;
    const err = configError(() => fromEnv(env, { runtime: "cloudflare" }));
    expect(err.message).toContain("1 environment variable needs attention");
    expect(err.message).toContain("QSTASH_NEXT_SIGNING_KEY is missing");
    expect(err.message).toContain("wrangler secret put QSTASH_NEXT_SIGNING_KEY");
    expect(err.message.match(/is missing/g)).toHaveLength(1);
  });

  it("fromEnv treats empty and non-string values (other Workers bindings) as missing", () => {
    const err = configError(() => fromEnv({ ...FULL, QSTASH_TOKEN: "  ", CELERIAC_API_TOKEN: { binding: true } as unknown as string }));
    expect(err.message).toContain("QSTASH_TOKEN is missing");
    expect(err.message).toContain("CELERIAC_API_TOKEN is missing");
  });

  it("fromEnv reports invalid URLs and durations in the same error as missing variables", () => {
    const err = configError(() =>
      fromEnv({ ...FULL, CELERIAC_URL: "tasks.example.com", QSTASH_URL: "ftp://x", CELERIAC_RESULT_EXPIRES: "forever", QSTASH_TOKEN: undefined }),
    );
    expect(err.message).toContain('CELERIAC_URL is invalid: "tasks.example.com" is not an http(s) URL');
    expect(err.message).toContain("QSTASH_URL is invalid");
    expect(err.message).toContain('CELERIAC_RESULT_EXPIRES is invalid: "forever"');
    expect(err.message).toContain("QSTASH_TOKEN is missing");
    expect(err.message).toContain("4 environment variables");
  });

  it("fromEnv refuses a zero result TTL", () => {
    expect(configError(() => fromEnv({ ...FULL, CELERIAC_RESULT_EXPIRES: "0" })).message).toContain("results need a TTL");
  });

  it("fromEnv does not require the variables of parts given in code", () => {
    const backend = new MemoryBackend();
    const { UPSTASH_REDIS_REST_URL: _u, UPSTASH_REDIS_REST_TOKEN: _t, CELERIAC_URL: _c, ...env } = FULL;
    const config = fromEnv(env, { provided: { backend, publicUrl: "http://127.0.0.1:1" } });
    expect(config.backend).toBe(backend);
    expect(config.publicUrl).toBe("http://127.0.0.1:1");
  });

  it("every variable fromEnv reads is documented in wrangler.toml", async () => {
    const { readFile } = await import("node:fs/promises");
    const toml = await readFile(new URL("../../wrangler.toml", import.meta.url), "utf8");
    for (const v of ENV_VARIABLES) {
      if (v.secret) expect(toml).toContain(`wrangler secret put ${v.name}`);
      else expect(toml).toContain(v.name);
    }
  });
});
