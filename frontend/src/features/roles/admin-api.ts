/**
 * The admin area's calls to the backend (routes/admin.go), over the same transport as `api.ts`:
 * cookies included, JSON errors turned into typed errors. Both routes need the `admin` role, and the
 * backend confirms the session with Hanko on every call.
 */
import { ApiError, createRequester, type ApiClientOptions, type Requester } from "../../api";

/** One of Hanko's users, as `GET /api/admin/users` lists them. */
export interface AdminUser {
  id: string;
  /** The primary address; null for a user who signs in with a username or passkey only. */
  email: string | null;
  roles: string[];
  created_at: string;
  /** How many todos the user owns in this backend's database. */
  todo_count: number;
}

export interface AdminUsersPage {
  users: AdminUser[];
  page: number;
  per_page: number;
  total: number;
  has_next: boolean;
}

/** `PUT /api/admin/users/:id/roles`: what changed. */
export interface RolesChange {
  id: string;
  roles: string[];
  /** Roles the user had and no longer has; their sessions were ended when this is not empty. */
  removed: string[];
  sessions_ended: number;
}

export interface AdminApi {
  listUsers(page: number, perPage: number, signal?: AbortSignal): Promise<AdminUsersPage>;
  setRoles(userId: string, roles: string[]): Promise<RolesChange>;
}

function invalid(what: string): ApiError {
  return new ApiError(200, "invalid_response", `The backend sent an unexpected ${what}.`);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === "string");
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function asAdminUser(v: unknown): AdminUser {
  if (
    !isRecord(v) ||
    typeof v.id !== "string" ||
    !(typeof v.email === "string" || v.email === null) ||
    !isStringArray(v.roles) ||
    typeof v.created_at !== "string" ||
    typeof v.todo_count !== "number"
  ) {
    throw invalid("user in the admin list");
  }
  return { id: v.id, email: v.email, roles: v.roles, created_at: v.created_at, todo_count: v.todo_count };
}

export function asAdminUsersPage(v: unknown): AdminUsersPage {
  if (
    !isRecord(v) ||
    !Array.isArray(v.users) ||
    typeof v.page !== "number" ||
    typeof v.per_page !== "number" ||
    typeof v.total !== "number" ||
    typeof v.has_next !== "boolean"
  ) {
    throw invalid("admin user list");
  }
  return { users: v.users.map(asAdminUser), page: v.page, per_page: v.per_page, total: v.total, has_next: v.has_next };
}

export function asRolesChange(v: unknown): RolesChange {
  if (
    !isRecord(v) ||
    typeof v.id !== "string" ||
    !isStringArray(v.roles) ||
    !isStringArray(v.removed) ||
    typeof v.sessions_ended !== "number"
  ) {
    throw invalid("answer to a role change");
  }
  return { id: v.id, roles: v.roles, removed: v.removed, sessions_ended: v.sessions_ended };
}

/** The admin client over a transport (tests pass their own `fetch` in the options). */
export function createAdminApi(transport: ApiClientOptions | Requester): AdminApi {
  const request = typeof transport === "function" ? transport : createRequester(transport);
  return {
    async listUsers(page, perPage, signal) {
      const query = new URLSearchParams({ page: String(page), per_page: String(perPage) });
      return asAdminUsersPage(await request("GET", `/api/admin/users?${query.toString()}`, undefined, signal));
    },
    async setRoles(userId, roles) {
      return asRolesChange(await request("PUT", `/api/admin/users/${encodeURIComponent(userId)}/roles`, { roles }));
    },
  };
}
