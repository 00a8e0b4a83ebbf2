import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter } from "react-router";
import type { Me } from "../api";
import type { FeatureNavLink } from "../features/feature";
import { Header } from "./Header";

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

function navLinks(links?: FeatureNavLink[]) {
  render(
    <MemoryRouter>
      <Header me={me} links={links} />
    </MemoryRouter>,
  );
  const nav = screen.getByRole("navigation", { name: "Main" });
  return [...nav.querySelectorAll("a")].map((a) => `${a.textContent} ${a.getAttribute("href") ?? ""}`);
}

describe("Header", () => {
  it("links the core pages", () => {
    expect(navLinks()).toEqual(["Dashboard /dashboard", "Profile /profile"]);
  });

  it("adds the features' links after them, each when its visible(me) allows", () => {
    const seen: Me[] = [];
    const links: FeatureNavLink[] = [
      { to: "/reports", label: "Reports" },
      {
        to: "/secret",
        label: "Secret",
        visible: (m) => {
          seen.push(m);
          return false;
        },
      },
      { to: "/mine", label: "Mine", visible: (m) => m.user_id === me.user_id },
    ];
    expect(navLinks(links)).toEqual(["Dashboard /dashboard", "Profile /profile", "Reports /reports", "Mine /mine"]);
    expect(seen[0]).toBe(me);
    expect(screen.getByTestId("header-email").textContent).toBe("alice@example.test");
  });
});
