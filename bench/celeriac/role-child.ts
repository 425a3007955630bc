/**
 * Child-process entry hosting some of celeriac's roles (see `roles.ts`). argv[2] is JSON:
 * `{ roles, settings, endpoints }`. Calls: `endpoints`, `workerCommands`, `resetWorkerCommands`,
 * `delivered`, `profileStart`, `profileStop` (arg: the file), `close`.
 * @module
 */
import { serveCalls } from "../lib/child.ts";
import { startProfile, stopProfile } from "../lib/cpu-profile.ts";
import { type Endpoints, type Role, type RoleSettings, startRoles } from "./roles.ts";

const { roles, settings, endpoints } = JSON.parse(process.argv[2]) as { roles: Role[]; settings: RoleSettings; endpoints: Endpoints };

// Listen first: calls that arrive while the roles start wait for them.
const starting = startRoles(roles, settings, endpoints);

serveCalls(async (op, arg) => {
  const hosted = await starting;
  switch (op) {
    case "endpoints":
      return hosted.endpoints;
    case "workerCommands":
      return hosted.workerCommands() ?? null;
    case "resetWorkerCommands":
      return hosted.resetWorkerCommands();
    case "delivered":
      return hosted.delivered();
    case "profileStart":
      return startProfile();
    case "profileStop":
      return stopProfile(arg as string);
    default:
      throw new Error(`unknown call ${op}`);
  }
}, async () => (await starting).close());
