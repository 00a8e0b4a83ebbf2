import { describe, expect, it } from "vitest";
import { UnavailableError, UnauthorizedError, createApiClient, createHttpClient } from "../../api";
import { answering, jsonResponse } from "../../test/fetch";
import { createAdminApi } from "./admin-api";

function adminAnswering(...responses: Response[]) {
  const { fetch, calls } = answering(...responses);
  return { admin: createAdminApi(createHttpClient({ baseUrl: "http://localhost:5001/", fetch })), fetch, calls };
}

const page = {
  users: [
    { id: "u-1", email: "alice@example.test", roles: ["admin"], created_at: "2026-12-01T19:36:03Z", todo_count: 3 },
    { id: "u-2", email: null, roles: [], created_at: "2026-12-01T19:35:20Z", todo_count: 0 },
  ],
  page: 2,
  per_page: 20,
  total: 53,
  has_next: true,
};

describe("createAdminApi", () => {
  it("lists a page of users with credentials", async () => {
    const { admin, calls } = adminAnswering(jsonResponse(200, page));
    await expect(admin.listUsers(2, 20)).resolves.toEqual(page);
    expect(calls[0]).toMatchObject({ url: "http://localhost:5001/api/admin/users?page=2&per_page=20", method: "GET", credentials: "include" });
  });

  it("puts the whole role list, escaping the id", async () => {
    const change = { id: "a/b", roles: ["editor"], removed: ["admin"], sessions_ended: 1 };
    const { admin, calls } = adminAnswering(jsonResponse(200, change));
    await expect(admin.setRoles("a/b", ["editor"])).resolves.toEqual(change);
    expect(calls[0]).toMatchObject({ url: "http://localhost:5001/api/admin/users/a%2Fb/roles", method: "PUT", credentials: "include" });
    expect(calls[0]?.headers.get("Content-Type")).toBe("application/json");
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({ roles: ["editor"] });
  });

  it("keeps the backend's error codes", async () => {
    const { admin } = adminAnswering(
      jsonResponse(403, { error: "forbidden", message: "This needs the admin role." }),
      jsonResponse(503, { error: "admin_unavailable", message: "Hanko's admin API cannot be reached." }),
      jsonResponse(401, { error: "invalid_token", message: "The session has ended; sign in again." }),
      jsonResponse(409, { error: "cannot_remove_own_admin", message: "You cannot remove your own admin role." }),
    );
    await expect(admin.listUsers(1, 20)).rejects.toMatchObject({ status: 403, code: "forbidden" });
    const down = await admin.listUsers(1, 20).catch((e: unknown) => e);
    expect(down).toBeInstanceOf(UnavailableError);
    expect(down).toMatchObject({ code: "admin_unavailable" });
    await expect(admin.listUsers(1, 20)).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(admin.setRoles("u", [])).rejects.toMatchObject({ status: 409, code: "cannot_remove_own_admin" });
  });
});

describe("/api/me roles", () => {
  const me = { user_id: "u-1", session_id: "s", expires_at: "2026-12-02T07:36:05Z", issued_at: "2026-12-01T19:36:05Z" };

  it("passes the roles through", async () => {
    const api = createApiClient({ baseUrl: "http://b.test", fetch: () => Promise.resolve(jsonResponse(200, { ...me, roles: ["admin"] })) });
    await expect(api.me()).resolves.toMatchObject({ roles: ["admin"] });
  });

});
