/**
 * The app's optional features, one line each. Each lives in its own folder under `src/features/`
 * and adds pages, header links or listeners (see `src/features/feature.ts`). Removing a feature's
 * line, its import and its folder leaves a working app.
 * `go run ./cmd/starter remove NAME` does that. // feature:starter
 */
import type { Feature } from "./features/feature";
import { roles } from "./features/roles"; // feature:roles
import { webhooks } from "./features/webhooks"; // feature:webhooks

export const features: readonly Feature[] = [
  roles, // feature:roles — the admin area: users, their roles, grant or remove admin (docs/roles.md)
  webhooks, // feature:webhooks — "Delete account" lands on the login page saying the todos were deleted (docs/webhooks.md)
];
