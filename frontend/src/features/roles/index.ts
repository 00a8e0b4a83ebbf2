import type { Feature } from "../feature";
import { isAdmin } from "./admin";
import { AdminPage } from "./AdminPage";

/**
 * Roles from Hanko's public metadata, as the app uses them: the admin area at `/admin`, and its
 * entry in the header for users whose session carries the `admin` role (docs/roles.md).
 */
export const roles: Feature = {
  name: "roles",
  routes: [{ path: "/admin", Page: AdminPage }],
  nav: [{ to: "/admin", label: "Admin", visible: isAdmin }],
};
