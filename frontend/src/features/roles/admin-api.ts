/**
 * The admin area's calls to the backend (features/roles), through the client generated from the
 * API contract: its operations are in the document while the feature is compiled in. Both routes
 * need the `admin` role, and the backend confirms the session with Hanko on every call.
 */
import { unwrap, type HttpClient, type Schemas } from "../../api";

/** One of Hanko's users, as `GET /api/admin/users` lists them. */
export type AdminUser = Schemas["AdminUser"];
export type AdminUsersPage = Schemas["AdminUsers"];
/** `PUT /api/admin/users/:id/roles`: what changed. */
export type RolesChange = Schemas["RolesChanged"];

export interface AdminApi {
  listUsers(page: number, perPage: number, signal?: AbortSignal): Promise<AdminUsersPage>;
  setRoles(userId: string, roles: string[]): Promise<RolesChange>;
}

/** The admin client over the app's HTTP client (tests pass one with their own `fetch`). */
export function createAdminApi(http: HttpClient): AdminApi {
  return {
    listUsers(page, perPage, signal) {
      return unwrap(http.GET("/api/admin/users", { params: { query: { page, per_page: perPage } }, signal }));
    },
    setRoles(userId, roles) {
      return unwrap(http.PUT("/api/admin/users/{id}/roles", { params: { path: { id: userId } }, body: { roles } }));
    },
  };
}
