import { act, cleanup, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes, useLocation, useNavigate } from "react-router";
import { UnavailableError, NetworkError, UnauthorizedError, type ApiClient, type Me } from "./api";
import { FaultBanner, FaultsProvider } from "./components/Faults";
import { ApiProvider, RequireSession } from "./session";
import { fakeApi } from "./test/fakeApi";
import { guardStateForError, useSession, type LoginLocationState } from "./session-context";

afterEach(cleanup);

const alice: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  roles: [],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
};

function fakeSession(me: () => Promise<Me>) {
  const api = fakeApi({ me: vi.fn(me) });
  return Object.assign(api, { me: vi.mocked(api.me) });
}

function LoginProbe() {
  const location = useLocation();
  const state = (location.state ?? {}) as LoginLocationState;
  return (
    <p>
      login page (reason: {state.reason ?? "none"}, from: {state.from ?? "none"})
    </p>
  );
}

function Dashboard() {
  const { me, handleAuthError } = useSession();
  const navigate = useNavigate();
  return (
    <div>
      <p>dashboard for {me.email?.address}</p>
      <button type="button" onClick={() => handleAuthError(new UnauthorizedError("invalid_token", "expired"))}>
        simulate 401
      </button>
      <button type="button" onClick={() => handleAuthError(new UnavailableError("auth_unavailable", "down"))}>
        simulate 503
      </button>
      <button type="button" onClick={() => void navigate("/profile")}>
        go to profile
      </button>
    </div>
  );
}

function renderApp(api: ApiClient, path = "/dashboard") {
  return render(
    <ApiProvider client={api}>
      <FaultsProvider>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/" element={<LoginProbe />} />
          <Route element={<RequireSession layout={(page, s) => (
                <section aria-label={`layout ${s.me.user_id}`}>
                  <FaultBanner />
                  {page}
                </section>
              )} />}>
            <Route path="/dashboard" element={<Dashboard />} />
            <Route path="/profile" element={<p>profile page</p>} />
          </Route>
        </Routes>
      </MemoryRouter>
      </FaultsProvider>
    </ApiProvider>,
  );
}

describe("RequireSession", () => {
  it("renders the page inside the layout when /api/me answers", async () => {
    const api = fakeSession(() => Promise.resolve(alice));
    renderApp(api);
    expect(screen.getByRole("status").textContent).toContain("Checking your session");
    expect(await screen.findByText("dashboard for alice@example.test")).toBeTruthy();
    expect(screen.getByLabelText(`layout ${alice.user_id}`)).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(1);
  });

  it("sends a 401 to the login page, remembering where the user was", async () => {
    const api = fakeSession(() => Promise.reject(new UnauthorizedError("unauthorized", "no token")));
    renderApp(api, "/profile");
    expect(await screen.findByText("login page (reason: signed-out, from: /profile)")).toBeTruthy();
    expect(screen.queryByText("profile page")).toBeNull();
  });

  it("waits calmly on a 503 before the first answer and tries again by itself after Retry-After", async () => {
    let calls = 0;
    const api = fakeSession(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new UnavailableError("auth_unavailable", "Hanko is unreachable", 1)) : Promise.resolve(alice);
    });
    renderApp(api);
    const banner = await screen.findByTestId("fault-banner");
    expect(banner.textContent).toContain("The server could not check your sign-in just now.");
    expect(banner.textContent).toContain("Trying again in 1 second");
    expect(banner.closest("[role=status]")).not.toBeNull();
    expect(screen.queryByText(/login page/)).toBeNull();
    // No click: the retry comes by itself.
    expect(await screen.findByText("dashboard for alice@example.test", undefined, { timeout: 3000 })).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("fault-banner")).toBeNull();
  });

  it("keeps the layout when the server is busy after sign-in, and recovers by itself", async () => {
    let calls = 0;
    const api = fakeSession(() => {
      calls += 1;
      return calls === 2 ? Promise.reject(new UnavailableError("not_ready", "starting", 1)) : Promise.resolve(alice);
    });
    renderApp(api);
    const go = await screen.findByRole("button", { name: "go to profile" });
    act(() => {
      go.click();
    });
    const banner = await screen.findByTestId("fault-banner");
    expect(banner.textContent).toContain("The server is starting up.");
    expect(banner.dataset.code).toBe("not_ready");
    expect(screen.getByRole("region", { name: `layout ${alice.user_id}` })).toBeTruthy();
    expect(screen.getByText("profile page")).toBeTruthy();
    await waitFor(
      () => {
        expect(screen.queryByTestId("fault-banner")).toBeNull();
      },
      { timeout: 3000 },
    );
    expect(api.me).toHaveBeenCalledTimes(3);
  }, 5000);

  it("says the server cannot be reached on a network failure, without logging out, and retries on request", async () => {
    let calls = 0;
    const api = fakeSession(() => {
      calls += 1;
      return calls === 1 ? Promise.reject(new NetworkError("http://backend.test/api/me", new TypeError("Failed to fetch"))) : Promise.resolve(alice);
    });
    renderApp(api);
    const banner = await screen.findByTestId("fault-banner");
    expect(banner.textContent).toContain("The server cannot be reached.");
    expect(screen.queryByText(/login page/)).toBeNull();
    act(() => {
      within(banner).getByRole("button", { name: "Retry now" }).click();
    });
    expect(await screen.findByText("dashboard for alice@example.test")).toBeTruthy();
  });

  it("asks the backend again on every navigation", async () => {
    const api = fakeSession(() => Promise.resolve(alice));
    renderApp(api);
    const go = await screen.findByRole("button", { name: "go to profile" });
    act(() => {
      go.click();
    });
    expect(await screen.findByText("profile page")).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(2);
  });

  it("sends the user to login when a page reports a 401, but not for a 503", async () => {
    const api = fakeSession(() => Promise.resolve(alice));
    renderApp(api);
    const five03 = await screen.findByRole("button", { name: "simulate 503" });
    act(() => {
      five03.click();
    });
    expect(screen.getByText("dashboard for alice@example.test")).toBeTruthy();
    act(() => {
      screen.getByRole("button", { name: "simulate 401" }).click();
    });
    expect(await screen.findByText("login page (reason: signed-out, from: /dashboard)")).toBeTruthy();
  });
});

describe("guardStateForError", () => {
  it("maps errors to guard states", () => {
    expect(guardStateForError(new UnauthorizedError("invalid_token", "x"))).toEqual({ status: "signed-out" });
    expect(guardStateForError(new Error("weird"))).toEqual({ status: "error", message: "weird" });
  });
});
