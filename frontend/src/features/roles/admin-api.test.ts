import { describe, expect, it, vi } from "vitest";
import { ApiError, UnavailableError, UnauthorizedError, createApiClient } from "../../api";
import { createAdminApi } from "./admin-api";

type FetchArgs = [input: RequestInfo | URL, init?: RequestInit];

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
}

function answering(...responses: Response[]) {
  const calls: FetchArgs[] = [];
  const fetch = vi.fn((...args: FetchArgs) => {
    calls.push(args);
    const next = responses.shift();
    return next ? Promise.resolve(next) : Promise.reject(new Error("unexpected fetch"));
  });
  return { admin: createAdminApi({ baseUrl: "http://localhost:5001/", fetch }), fetch, calls };
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
    const { admin, calls } = answering(jsonResponse(200, page));
    await expect(admin.listUsers(2, 20)).resolves.toEqual(page);
    const [url, init] = calls[0] ?? [];
    expect(url).toBe("http://localhost:5001/api/admin/users?page=2&per_page=20");
    expect(init?.method).toBe("GET");
    expect(init?.credentials).toBe("include");
  });

  it("puts the whole role list, escaping the id", async () => {
    const change = { id: "a/b", roles: ["editor"], removed: ["admin"], sessions_ended: 1 };
    const { admin, calls } = answering(jsonResponse(200, change));
    await expect(admin.setRoles("a/b", ["editor"])).resolves.toEqual(change);
    const [url, init] = calls[0] ?? [];
    expect(url).toBe("http://localhost:5001/api/admin/users/a%2Fb/roles");
    expect(init?.method).toBe("PUT");
    expect(init?.credentials).toBe("include");
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init?.body as string)).toEqual({ roles: ["editor"] });
  });

  it.each([
    ["no users array", { ...page, users: undefined }],
    ["roles not strings", { ...page, users: [{ ...page.users[0], roles: [1] }] }],
    ["email a number", { ...page, users: [{ ...page.users[0], email: 5 }] }],
    ["todo_count missing", { ...page, users: [{ id: "u", email: null, roles: [], created_at: "x" }] }],
    ["has_next missing", { ...page, has_next: undefined }],
  ])("rejects a list with %s", async (_name, body) => {
    const { admin } = answering(jsonResponse(200, body));
    await expect(admin.listUsers(1, 20)).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("rejects a role change answer without removed", async () => {
    const { admin } = answering(jsonResponse(200, { id: "u", roles: [], sessions_ended: 0 }));
    await expect(admin.setRoles("u", [])).rejects.toBeInstanceOf(ApiError);
  });

  it("keeps the backend's error codes", async () => {
    const { admin } = answering(
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

  it("defaults to no roles for an older backend", async () => {
    const api = createApiClient({ baseUrl: "http://b.test", fetch: () => Promise.resolve(jsonResponse(200, me)) });
    await expect(api.me()).resolves.toMatchObject({ roles: [] });
  });
});
