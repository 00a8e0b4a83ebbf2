import { cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes, useLocation } from "react-router";
import { ApiError, UnavailableError, UnauthorizedError, type Me } from "../../api";
import type { AdminApi, AdminUsersPage, RolesChange } from "./admin-api";
import { ApiProvider } from "../../session";
import { SessionContext, type SessionContextValue } from "../../session-context";
import type { LoginLocationState } from "../../session-context";
import { fakeApi } from "../../test/fakeApi";
import { AdminPage } from "./AdminPage";

function LoginProbe() {
  const state = (useLocation().state ?? {}) as LoginLocationState;
  return <p>login page (reason: {state.reason ?? "none"})</p>;
}

afterEach(cleanup);

const alice: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
  roles: ["admin"],
};
const bobId = "33333333-3333-4333-8333-333333333333";
const cyId = "44444444-4444-4444-8444-444444444444";

function usersPage(over: Partial<AdminUsersPage> = {}): AdminUsersPage {
  return {
    users: [
      { id: alice.user_id, email: "alice@example.test", roles: ["admin"], created_at: "2026-12-01T19:36:03Z", todo_count: 3 },
      { id: bobId, email: "bob@example.test", roles: [], created_at: "2026-12-01T19:35:20Z", todo_count: 0 },
      { id: cyId, email: null, roles: ["editor", "admin"], created_at: "2026-12-01T19:30:00Z", todo_count: 7 },
    ],
    page: 1,
    per_page: 20,
    total: 3,
    has_next: false,
    ...over,
  };
}

function fakeAdmin(list: AdminApi["listUsers"], setRoles: AdminApi["setRoles"] = () => Promise.reject(new Error("unused"))) {
  return { listUsers: vi.fn(list), setRoles: vi.fn(setRoles) };
}

function renderPage(admin: AdminApi, handleAuthError: (err: unknown) => boolean = () => false) {
  const api = fakeApi();
  const session: SessionContextValue = { me: alice, refresh: () => undefined, handleAuthError };
  return render(
    <ApiProvider client={api}>
      <SessionContext.Provider value={session}>
        <MemoryRouter initialEntries={["/admin"]}>
          <Routes>
            <Route path="/admin" element={<AdminPage client={admin} />} />
            <Route path="/" element={<LoginProbe />} />
          </Routes>
        </MemoryRouter>
      </SessionContext.Provider>
    </ApiProvider>,
  );
}

function row(id: string): HTMLElement {
  const el = screen.getAllByTestId("admin-user").find((r) => r.dataset.userId === id);
  if (!el) throw new Error(`no row for ${id}`);
  return el;
}

describe("AdminPage", () => {
  it("lists users with roles and todo counts; the admin's own row has no button", async () => {
    const admin = fakeAdmin(() => Promise.resolve(usersPage()));
    renderPage(admin);
    expect(screen.getByRole("status").textContent).toContain("Asking Hanko");
    await screen.findAllByTestId("admin-user");
    expect(admin.listUsers).toHaveBeenCalledWith(1, 20, expect.any(AbortSignal));

    const me = row(alice.user_id);
    expect(within(me).getByTestId("admin-user-roles").textContent).toBe("admin");
    expect(within(me).getByTestId("admin-user-todos").textContent).toBe("3");
    expect(within(me).queryByRole("button")).toBeNull();
    expect(within(me).getByText("You")).toBeTruthy();

    const bob = row(bobId);
    expect(within(bob).getByTestId("admin-user-roles").textContent).toBe("none");
    expect(within(bob).getByRole("button", { name: "Grant admin to bob@example.test" })).toBeTruthy();

    const cy = row(cyId);
    expect(within(cy).getByText("no email")).toBeTruthy();
    expect(within(cy).getByTestId("admin-user-todos").textContent).toBe("7");
    expect(within(cy).getByRole("button", { name: `Remove admin from ${cyId}` })).toBeTruthy();
    expect(screen.getByText("Page 1 of 1 · 3 users")).toBeTruthy();
  });

  it("grants admin and updates the row", async () => {
    const change: RolesChange = { id: bobId, roles: ["admin"], removed: [], sessions_ended: 0 };
    const admin = fakeAdmin(() => Promise.resolve(usersPage()), () => Promise.resolve(change));
    renderPage(admin);
    await screen.findAllByTestId("admin-user");
    fireEvent.click(screen.getByRole("button", { name: "Grant admin to bob@example.test" }));
    expect(await screen.findByText(/bob@example\.test now has the admin role/)).toBeTruthy();
    expect(admin.setRoles).toHaveBeenCalledWith(bobId, ["admin"]);
    expect(within(row(bobId)).getByTestId("admin-user-roles").textContent).toBe("admin");
    expect(within(row(bobId)).getByRole("button", { name: "Remove admin from bob@example.test" })).toBeTruthy();
  });

  it("removes admin but keeps the user's other roles, and says their sessions ended", async () => {
    const change: RolesChange = { id: cyId, roles: ["editor"], removed: ["admin"], sessions_ended: 2 };
    const admin = fakeAdmin(() => Promise.resolve(usersPage()), () => Promise.resolve(change));
    renderPage(admin);
    await screen.findAllByTestId("admin-user");
    fireEvent.click(screen.getByRole("button", { name: `Remove admin from ${cyId}` }));
    expect(await screen.findByText(/2 sessions were ended at Hanko/)).toBeTruthy();
    expect(admin.setRoles).toHaveBeenCalledWith(cyId, ["editor"]);
    expect(within(row(cyId)).getByTestId("admin-user-roles").textContent).toBe("editor");
  });

  it("explains a 403 in plain words, without a retry button", async () => {
    const admin = fakeAdmin(() => Promise.reject(new ApiError(403, "forbidden", 'This needs the "admin" role.')));
    renderPage(admin);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("This page is for admins");
    expect(alert.textContent).toContain("sign out and sign in again");
    expect(within(alert).queryByRole("button")).toBeNull();
  });

  it("explains a 503 from the admin API and tries again on request", async () => {
    let calls = 0;
    const admin = fakeAdmin(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new UnavailableError("admin_unavailable", "Hanko's admin API cannot be reached right now."))
        : Promise.resolve(usersPage());
    });
    renderPage(admin);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Hanko's admin API is not available");
    expect(alert.textContent).toContain("cannot be reached right now");
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findAllByTestId("admin-user");
    expect(admin.listUsers).toHaveBeenCalledTimes(2);
  });

  it("explains a 503 when Hanko cannot confirm the session", async () => {
    const admin = fakeAdmin(() => Promise.reject(new UnavailableError("auth_unavailable", "Hanko is unreachable.")));
    renderPage(admin);
    expect((await screen.findByRole("alert")).textContent).toContain("Hanko could not confirm your session");
  });

  it("asks to sign in again when Hanko says the session ended, without bouncing through the login check", async () => {
    const handled = vi.fn(() => true);
    const admin = fakeAdmin(() => Promise.reject(new UnauthorizedError("invalid_token", "The session has ended; sign in again.")));
    renderPage(admin, handled);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Your session has ended");
    fireEvent.click(within(alert).getByRole("button", { name: "Sign in again" }));
    expect(await screen.findByText("login page (reason: expired)")).toBeTruthy();
    expect(handled).not.toHaveBeenCalled();
  });

  it("asks to sign in again when a change is refused with 401", async () => {
    const admin = fakeAdmin(
      () => Promise.resolve(usersPage()),
      () => Promise.reject(new UnauthorizedError("invalid_token", "The session has ended; sign in again.")),
    );
    renderPage(admin);
    await screen.findAllByTestId("admin-user");
    fireEvent.click(screen.getByRole("button", { name: "Grant admin to bob@example.test" }));
    expect((await screen.findByRole("alert")).textContent).toContain("Your session has ended");
    expect(screen.queryAllByTestId("admin-user")).toHaveLength(0);
  });

  it("shows a refused change as an alert and keeps the row", async () => {
    const admin = fakeAdmin(
      () => Promise.resolve(usersPage()),
      () => Promise.reject(new UnavailableError("admin_unavailable", "Hanko's admin API cannot be reached right now.")),
    );
    renderPage(admin);
    await screen.findAllByTestId("admin-user");
    fireEvent.click(screen.getByRole("button", { name: "Grant admin to bob@example.test" }));
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Hanko's admin API is not available");
    expect(within(row(bobId)).getByTestId("admin-user-roles").textContent).toBe("none");
    fireEvent.click(within(alert).getByRole("button", { name: "Dismiss message" }));
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("pages through Hanko's users", async () => {
    const admin = fakeAdmin((page) => Promise.resolve(usersPage({ page, total: 45, has_next: page < 3 })));
    renderPage(admin);
    await screen.findByText("Page 1 of 3 · 45 users");
    expect(screen.getByRole<HTMLButtonElement>("button", { name: "Previous" }).disabled).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "Next" }));
    await screen.findByText("Page 2 of 3 · 45 users");
    expect(admin.listUsers).toHaveBeenLastCalledWith(2, 20, expect.any(AbortSignal));
  });
});
