import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router";
import { UnauthorizedError } from "../api";
import { ApiProvider } from "../session";
import type { LoginLocationState } from "../session-context";
import { fakeApi } from "../test/fakeApi";

// A stand-in for hanko-elements: the test fires "session created" itself.
const created: (() => void)[] = [];
vi.mock("../hanko", () => ({
  useHanko: () => ({
    status: "ready",
    error: null,
    hanko: {
      onSessionCreated: (fn: () => void) => {
        created.push(fn);
        return () => undefined;
      },
      onAfterStateChange: () => () => undefined,
    },
  }),
  probeHanko: () => Promise.resolve(null),
  describeHankoError: (err: unknown) => String(err),
}));

const { LoginPage } = await import("./LoginPage");

afterEach(() => {
  cleanup();
  created.length = 0;
});

describe("LoginPage", () => {
  it("returns to the page the user came from after signing in", async () => {
    const api = fakeApi({ me: () => Promise.reject(new UnauthorizedError("unauthorized", "no token")) });
    const state: LoginLocationState = { reason: "signed-out", from: "/profile?tab=keys" };
    render(
      <ApiProvider client={api}>
        <MemoryRouter initialEntries={[{ pathname: "/", state }]}>
          <Routes>
            <Route path="/" element={<LoginPage />} />
            <Route path="/profile" element={<p>profile page</p>} />
          </Routes>
        </MemoryRouter>
      </ApiProvider>,
    );
    expect(screen.getByText("Please sign in to continue.")).toBeTruthy();
    expect(document.title).toBe("Sign in · Hanko × Gin");
    expect(created).not.toHaveLength(0);
    act(() => {
      for (const fn of created) fn();
    });
    expect(await screen.findByText("profile page")).toBeTruthy();
  });
});
