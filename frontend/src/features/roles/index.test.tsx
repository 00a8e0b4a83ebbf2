import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter } from "react-router";
import type { Me } from "../../api";
import { Header } from "../../components/Header";
import { AdminPage } from "./AdminPage";
import { roles } from ".";

afterEach(cleanup);

const me: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  roles: [],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
};

describe("the roles feature", () => {
  it("adds the admin page at /admin", () => {
    expect(roles.routes).toEqual([{ path: "/admin", Page: AdminPage }]);
  });

  it.each([
    [["admin"], true],
    [["editor", "admin"], true],
    [[], false],
    [["Admin"], false],
    [undefined, false],
  ] as const)("roles %j: the header's Admin entry shown = %s", (userRoles, shown) => {
    render(
      <MemoryRouter>
        <Header me={{ ...me, roles: userRoles ? [...userRoles] : (undefined as unknown as string[]) }} links={roles.nav} />
      </MemoryRouter>,
    );
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(nav.textContent).toContain("Dashboard");
    const link = screen.queryByRole("link", { name: "Admin" });
    expect(link !== null).toBe(shown);
    if (link) expect(link.getAttribute("href")).toBe("/admin");
  });
});
