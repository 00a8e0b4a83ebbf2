#!/usr/bin/env node
// The API client's types, generated from the API contract (openapi.json, a copy of what
// `go run . openapi` prints: the core's operations and those of the features compiled in).
//
//   npm run gen:api            regenerate src/generated/openapi.ts (after copying openapi.json)
//   npm run gen:api -- --check fail when the committed file is not what openapi.json gives (CI)
//
// To refresh openapi.json from the backend: `go run .. openapi > openapi.json` (from frontend/).
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import openapiTS, { astToString } from "openapi-typescript";

const here = path.dirname(fileURLToPath(import.meta.url));
const source = path.join(here, "..", "openapi.json");
const target = path.join(here, "..", "src", "generated", "openapi.ts");

const header = `// Generated from openapi.json by \`npm run gen:api\` (openapi-typescript). Do not edit.\n\n`;
const ast = await openapiTS(JSON.parse(readFileSync(source, "utf8")));
const generated = header + astToString(ast);

if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(target, "utf8");
  } catch {
    // missing: reported below
  }
  if (committed !== generated) {
    console.error(`${path.relative(process.cwd(), target)} is not what openapi.json gives: run \`npm run gen:api\` in frontend/ and commit the result.`);
    process.exit(1);
  }
  console.log("src/generated/openapi.ts is current.");
} else {
  writeFileSync(target, generated);
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
