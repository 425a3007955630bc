#!/usr/bin/env node
// The celeriac CLI. It loads TypeScript sources (yours in functions/, and celeriac's) through tsx.
import { register } from "tsx/esm/api";

register();
const { main } = await import("../src/node/cli/cli.ts");
await main(process.argv.slice(2));
