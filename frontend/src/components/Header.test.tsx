import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter } from "react-router";
import type { Me } from "../api";
import { Header } from "./Header";

afterEach(cleanup);

const me: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
};

describe("Header", () => {
  it.each([
    [["admin"], true],
    [["editor", "admin"], true],
    [[], false],
    [["Admin"], false],
    [undefined, false],
  ] as const)("roles %j: Admin entry shown = %s", (roles, shown) => {
    render(
      <MemoryRouter>
        <Header me={{ ...me, roles: roles ? [...roles] : undefined }} />
      </MemoryRouter>,
    );
    const nav = screen.getByRole("navigation", { name: "Main" });
    expect(nav.textContent).toContain("Dashboard");
    const link = screen.queryByRole("link", { name: "Admin" });
    expect(link !== null).toBe(shown);
    if (link) expect(link.getAttribute("href")).toBe("/admin");
  });
});
