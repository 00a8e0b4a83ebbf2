import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes } from "react-router";
import { userDeletedType } from "@teamhanko/hanko-elements";
import { fakeApi } from "../../test/fakeApi";
import { LoginPage } from "../../pages/LoginPage";
import { ApiProvider } from "../../session";
import { AccountDeletedRedirect } from "./AccountDeletedRedirect";

// A real SDK instance, so the test goes through hanko-elements' own onUserDeleted subscription.
const { hanko } = await vi.hoisted(async () => {
  const { Hanko } = await import("@teamhanko/hanko-elements");
  return { hanko: new Hanko("http://hanko.test") };
});

vi.mock("../../hanko", async (importOriginal) => {
  const actual = await importOriginal<typeof import("../../hanko")>();
  return { ...actual, useHanko: () => ({ status: "ready", hanko, error: null }) };
});

beforeEach(() => {
  // The login page probes Hanko's JWKS; answer it.
  vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response('{"keys":[]}', { status: 200 }))));
});

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function renderProfile() {
  const me = vi.fn(() => Promise.reject(new Error("the login page must not ask who is signed in")));
  const api = fakeApi({ me });
  const view = render(
    <ApiProvider client={api}>
      <MemoryRouter initialEntries={["/profile"]}>
        <Routes>
          <Route path="/" element={<LoginPage />} />
          <Route path="/profile" element={<p>profile page</p>} />
        </Routes>
        <AccountDeletedRedirect />
      </MemoryRouter>
    </ApiProvider>,
  );
  return { me, view };
}

function accountDeleted() {
  // What hanko-elements dispatches in the account_deleted flow state.
  act(() => {
    document.dispatchEvent(new CustomEvent(userDeletedType, { detail: null }));
  });
}

describe("AccountDeletedRedirect", () => {
  it("listens for hanko-elements' user-deleted event", () => {
    expect(userDeletedType).toBe("hanko-user-deleted");
  });

  it("lands on the login page saying the account and the todos were deleted", async () => {
    const logout = vi.spyOn(hanko, "logout").mockResolvedValue();
    const { me } = renderProfile();
    expect(screen.getByText("profile page")).toBeTruthy();

    accountDeleted();

    expect((await screen.findByRole("status")).textContent).toBe("Your account and your todos were deleted.");
    expect(screen.queryByText("profile page")).toBeNull();
    expect(logout).toHaveBeenCalledTimes(1); // the SDK's own cookie goes too
    expect(me).not.toHaveBeenCalled();
  });

  it("still lands there when clearing the session fails", async () => {
    vi.spyOn(hanko, "logout").mockRejectedValue(new Error("Hanko is unreachable"));
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    renderProfile();

    accountDeleted();

    expect((await screen.findByRole("status")).textContent).toBe("Your account and your todos were deleted.");
    await vi.waitFor(() => {
      expect(warn).toHaveBeenCalled();
    });
  });

  it("stops listening when it unmounts", () => {
    const logout = vi.spyOn(hanko, "logout").mockResolvedValue();
    const { view } = renderProfile();
    view.unmount();

    accountDeleted();

    expect(logout).not.toHaveBeenCalled();
  });
});
