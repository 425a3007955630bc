/**
 * `celeriac dev` in a user's project, as `npm init -y` leaves it ("type": "commonjs") and with no
 * type at all: it serves the project's own tasks, names one of them in its curl, and reloads when
 * a file changes, keeping the previous version when the new one does not load.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { waitFor } from "../../support/wait.ts";
import { killAll, makeProject, removeProjects, startCli, writeProjectFile } from "./run-cli.ts";

afterEach(killAll);
afterAll(removeProjects);

const greet = (word: string) => `import { z } from "zod";
import { task } from "celeriac";

export const greet = task({
  name: "hello_greet",
  input: z.object({ name: z.string(), times: z.number().int().positive() }),
}, ({ name, times }) => Array(times).fill("${word} " + name).join(", "));
`;

const shout = `import { z } from "zod";
import { task } from "celeriac";

export const shout = task({ name: "hello_shout", input: z.object({ text: z.string() }) }, ({ text }) => text.toUpperCase() + "!");
`;

/** Publishes through the API and waits (deadline 20 s) for the result. */
async function send(url: string, name: string, input: unknown): Promise<unknown> {
  const auth = { authorization: "Bearer t" };
  const sent = await fetch(`${url}/api/tasks/${name}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ input }) });
  expect(sent.status).toBe(202);
  const { url: resultUrl } = (await sent.json()) as { url: string };
  const view = await waitFor(async () => {
    const v = (await (await fetch(resultUrl, { headers: auth })).json()) as { state: string; result?: unknown };
    return v.state === "SUCCESS" || v.state === "FAILURE" ? v : undefined;
  }, { timeoutMs: 20_000, what: `the result of ${name}` });
  return view.state === "SUCCESS" ? view.result : view;
}

describe.each([["commonjs" as const], [undefined]])("celeriac dev in a project whose package.json type is %s", (type) => {
  it("serves the project's tasks, shows one in its curl, and reloads on change", { timeout: 180_000 }, async () => {
    const dir = makeProject({ type, files: { "functions/index.ts": 'export { greet } from "./tasks/greet.ts";\n', "functions/tasks/greet.ts": greet("hi") } });
    const cli = startCli(["dev", "--port", "0"], { cwd: dir, env: { CELERIAC_API_TOKEN: "t" } });
    const [, url] = await cli.waitFor(/celeriac dev server: (http:\/\/\S+)/, { timeoutMs: 60_000 });
    await cli.waitFor(/api\/results\/<id>/);
    expect(cli.output()).toContain(
      `curl -s -X POST ${url}/api/tasks/hello_greet -H "Authorization: Bearer t" -H "Content-Type: application/json" -d '{"input":{"name":"example","times":1}}'`,
    );
    expect(await send(url!, "hello_greet", { name: "bob", times: 2 })).toBe("hi bob, hi bob");

    let from = cli.output().length;
    writeProjectFile(dir, "functions/tasks/greet.ts", greet("hello"));
    await cli.waitFor(/reloaded functions \(1 task\)/, { from });
    expect(await send(url!, "hello_greet", { name: "bob", times: 1 })).toBe("hello bob");

    from = cli.output().length;
    writeProjectFile(dir, "functions/tasks/greet.ts", "export const greet = ;\n");
    const [failure] = await cli.waitFor(/.*reload failed: .*\n/, { from });
    expect(failure).toMatch(/reload failed: functions\/index\.ts failed to load: functions\/tasks\/greet\.ts:1:\d+: Unexpected ";"\. Fix it and save; the previous version keeps serving\.\n$/);
    expect(await send(url!, "hello_greet", { name: "bob", times: 1 })).toBe("hello bob");

    from = cli.output().length;
    writeProjectFile(dir, "functions/tasks/shout.ts", shout);
    writeProjectFile(dir, "functions/tasks/greet.ts", greet("hey"));
    writeProjectFile(dir, "functions/index.ts", 'export { greet } from "./tasks/greet.ts";\nexport { shout } from "./tasks/shout.ts";\n');
    await cli.waitFor(/reloaded functions \(2 tasks\)/, { from });
    expect(await send(url!, "hello_shout", { text: "ok" })).toBe("OK!");
    expect(await send(url!, "hello_greet", { name: "bob", times: 1 })).toBe("hey bob");
    expect(cli.output()).not.toMatch(/^\s+at /m);
    expect(await cli.stop()).toBe(0);
  });
});
