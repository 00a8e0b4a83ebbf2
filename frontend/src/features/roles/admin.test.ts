import { describe, expect, it } from "vitest";
import { ApiError, UnavailableError, NetworkError, NotFoundError, UnauthorizedError } from "../../api";
import { describeAdminError, describeChange, isAdmin, pageCount, withRole, withoutRole } from "./admin";

describe("isAdmin", () => {
  it.each([
    [["admin"], true],
    [["editor", "admin"], true],
    [[], false],
    [["Admin"], false],
    [["admin "], false],
    [["administrator"], false],
    [undefined, false],
  ] as const)("roles %j → %s", (roles, want) => {
    expect(isAdmin({ roles: roles ? [...roles] : undefined })).toBe(want);
  });
});

describe("role lists", () => {
  it("adds a role once, at the end, without touching the input", () => {
    const roles = ["editor"];
    expect(withRole(roles, "admin")).toEqual(["editor", "admin"]);
    expect(withRole(["admin", "editor"], "admin")).toEqual(["admin", "editor"]);
    expect(roles).toEqual(["editor"]);
  });

  it("removes only the exact role", () => {
    expect(withoutRole(["admin", "editor", "Admin"], "admin")).toEqual(["editor", "Admin"]);
    expect(withoutRole([], "admin")).toEqual([]);
  });

  it("counts pages", () => {
    expect(pageCount(0, 20)).toBe(1);
    expect(pageCount(20, 20)).toBe(1);
    expect(pageCount(21, 20)).toBe(2);
    expect(pageCount(53, 2)).toBe(27);
  });
});

describe("describeAdminError", () => {
  it.each([
    [new ApiError(403, "forbidden", "This needs the admin role."), "This page is for admins", /sign out and sign in again/, false],
    [new UnavailableError("admin_unavailable", "Hanko's admin API cannot be reached."), "Hanko's admin API is not available", /Hanko's admin API cannot be reached\./, true],
    [new UnavailableError("auth_unavailable", "Hanko is unreachable."), "Hanko could not confirm your session", /never guess/, true],
    [new ApiError(409, "cannot_remove_own_admin", "You cannot remove your own admin role: ..."), "You cannot remove your own admin role", /your own admin role/, false],
    [new NotFoundError("not_found", "No Hanko user with this id."), "That user no longer exists", /reloaded/, false],
    [new ApiError(400, "bad_request", '"Admin" is not a valid role name.'), "The change was refused", /not a valid role name/, false],
    [new NetworkError("http://backend.test/api/admin/users", new TypeError("Failed to fetch")), "The server cannot be reached", /CORS_ALLOWED_ORIGINS/, true],
    [new ApiError(500, "internal_error", "Something went wrong on our side."), "Something went wrong", /our side/, true],
  ] as const)("%s → %s", (err, title, detail, retry) => {
    const p = describeAdminError(err);
    expect(p.title).toBe(title);
    expect(p.detail).toMatch(detail);
    expect(p.retry).toBe(retry);
    expect(p.signIn).toBeFalsy();
  });

  it("asks to sign in again when Hanko ended the session", () => {
    const p = describeAdminError(new UnauthorizedError("invalid_token", "The session has ended; sign in again."));
    expect(p).toMatchObject({ title: "Your session has ended", retry: false, signIn: true });
  });
});

describe("describeChange", () => {
  it("says a removal took effect now", () => {
    const text = describeChange("bob@example.test", "admin", { id: "b", roles: [], removed: ["admin"], sessions_ended: 2 });
    expect(text).toBe("Removed admin from bob@example.test. 2 sessions were ended at Hanko, so the role is gone now; they sign in again.");
    expect(describeChange("bob", "admin", { id: "b", roles: [], removed: ["admin"], sessions_ended: 1 })).toContain("1 session was ended");
  });

  it("says a grant takes effect at the next sign-in", () => {
    const text = describeChange("bob@example.test", "admin", { id: "b", roles: ["admin"], removed: [], sessions_ended: 0 });
    expect(text).toBe("bob@example.test now has the admin role. It reaches their session when they next sign in.");
  });
});
