/**
 * `celeriac dev` fires schedules: at startup it syncs the schedules of the functions module into
 * its own local broker (seen through the official client), and the broker's trigger reaches the
 * worker, which publishes the tick as a task message.
 */
import { Client } from "@upstash/qstash";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_TOKEN } from "../../../src/broker/local/dev-credentials.ts";
import { silentLogger } from "../../../src/util/logger.ts";
import { type DevServer, startDevServer } from "../../../src/node/dev/dev-server.ts";
import { triggerBody } from "../../../src/schedule/runner.ts";
import { QStashBroker } from "../../../src/broker/qstash.ts";
import * as v1 from "../../schedule/fixtures/functions-v1.ts";
import { runs } from "../../schedule/fixtures/report-task.ts";
import { waitFor } from "../../support/wait.ts";

let dev: DevServer;
beforeAll(async () => {
  dev = await startDevServer({ port: 0, tasks: { ...v1 }, logger: silentLogger });
});
afterAll(async () => {
  await dev?.close();
});

describe("celeriac dev schedules", () => {
  it("syncs the functions' schedules into the local broker at startup", async () => {
    const qstash = new Client({ baseUrl: dev.url, token: DEV_TOKEN, enableTelemetry: false, retry: false });
    const list = await qstash.schedules.list();
    expect(list.map((s) => [s.scheduleId, s.cron, s.destination]).sort()).toEqual([
      ["celeriac.berlin_nightly", "CRON_TZ=Europe/Berlin 30 2 * * *", `${dev.url}/schedules/berlin_nightly`],
      ["celeriac.report_every_10m", "*/10 * * * *", `${dev.url}/schedules/report_every_10m`],
    ]);
    expect(list.every((s) => (s.nextScheduleTime ?? 0) > Date.now())).toBe(true);
  });

  it("a trigger delivered by the local broker publishes and runs the tick", async () => {
    const before = runs.length;
    // What the broker does at a tick: deliver the schedule's trigger body, signed, to the worker.
    await new QStashBroker({ baseUrl: dev.url, token: DEV_TOKEN }).publish({ url: `${dev.url}/schedules/report_every_10m`, body: triggerBody("report_every_10m") });
    await waitFor(() => runs.length > before, { what: "the scheduled run to start" });
    expect(runs[runs.length - 1].schedule?.name).toBe("report_every_10m");
  });
});
