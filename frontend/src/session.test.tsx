import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MemoryRouter, Route, Routes, useLocation, useNavigate } from "react-router";
import { AuthUnavailableError, NetworkError, UnauthorizedError, type ApiClient, type Me } from "./api";
import { ApiProvider, RequireSession } from "./session";
import { guardStateForError, useSession, type LoginLocationState } from "./session-context";

afterEach(cleanup);

const alice: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
};

function fakeApi(me: () => Promise<Me>): ApiClient & { me: ReturnType<typeof vi.fn> } {
  const unused = () => Promise.reject(new Error("not used in this test"));
  return {
    baseUrl: "http://backend.test",
    me: vi.fn(me),
    protectedMessage: unused,
    publicMessage: unused,
    listTodos: unused,
    createTodo: unused,
    updateTodo: unused,
    deleteTodo: unused,
  };
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
      <button type="button" onClick={() => handleAuthError(new AuthUnavailableError("auth_unavailable", "down"))}>
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
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path="/" element={<LoginProbe />} />
          <Route element={<RequireSession layout={(page, s) => <section aria-label={`layout ${s.me.user_id}`}>{page}</section>} />}>
            <Route path="/dashboard" element={<Dashboard />} />
            <Route path="/profile" element={<p>profile page</p>} />
          </Route>
        </Routes>
      </MemoryRouter>
    </ApiProvider>,
  );
}

describe("RequireSession", () => {
  it("renders the page inside the layout when /api/me answers", async () => {
    const api = fakeApi(() => Promise.resolve(alice));
    renderApp(api);
    expect(screen.getByRole("status").textContent).toContain("Checking your session");
    expect(await screen.findByText("dashboard for alice@example.test")).toBeTruthy();
    expect(screen.getByLabelText(`layout ${alice.user_id}`)).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(1);
  });

  it("sends a 401 to the login page, remembering where the user was", async () => {
    const api = fakeApi(() => Promise.reject(new UnauthorizedError("unauthorized", "no token")));
    renderApp(api, "/profile");
    expect(await screen.findByText("login page (reason: signed-out, from: /profile)")).toBeTruthy();
    expect(screen.queryByText("profile page")).toBeNull();
  });

  it("shows 'authentication service unavailable' on 503 and stays off the login page", async () => {
    const api = fakeApi(() => Promise.reject(new AuthUnavailableError("auth_unavailable", "Hanko is unreachable")));
    renderApp(api);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Authentication service unavailable");
    expect(alert.textContent).toContain("Hanko is unreachable");
    expect(screen.queryByText(/login page/)).toBeNull();
  });

  it("retries after a 503 and then renders the page", async () => {
    let calls = 0;
    const api = fakeApi(() => {
      calls += 1;
      return calls === 1
        ? Promise.reject(new AuthUnavailableError("auth_unavailable", "down"))
        : Promise.resolve(alice);
    });
    renderApp(api);
    const retry = await screen.findByRole("button", { name: "Try again" });
    act(() => {
      retry.click();
    });
    expect(await screen.findByText("dashboard for alice@example.test")).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(2);
  });

  it("explains a network failure without logging out", async () => {
    const api = fakeApi(() => Promise.reject(new NetworkError("http://backend.test/api/me", new TypeError("Failed to fetch"))));
    renderApp(api);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("Could not load your session");
    expect(alert.textContent).toContain("http://backend.test/api/me");
    expect(screen.queryByText(/login page/)).toBeNull();
  });

  it("asks the backend again on every navigation", async () => {
    const api = fakeApi(() => Promise.resolve(alice));
    renderApp(api);
    const go = await screen.findByRole("button", { name: "go to profile" });
    act(() => {
      go.click();
    });
    expect(await screen.findByText("profile page")).toBeTruthy();
    expect(api.me).toHaveBeenCalledTimes(2);
  });

  it("sends the user to login when a page reports a 401, but not for a 503", async () => {
    const api = fakeApi(() => Promise.resolve(alice));
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
    expect(guardStateForError(new AuthUnavailableError("auth_unavailable", "down"))).toEqual({
      status: "unavailable",
      message: "down",
    });
    expect(guardStateForError(new Error("weird"))).toEqual({ status: "error", message: "weird" });
  });
});
