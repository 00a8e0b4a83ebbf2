import { cleanup, render, screen, waitFor } from "@testing-library/react";
import { useCallback } from "react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { UnauthorizedError, UnavailableError } from "./api";
import { FaultBanner, FaultsProvider } from "./components/Faults";
import { SessionContext, type SessionContextValue } from "./session-context";
import { useResource } from "./useResource";

afterEach(cleanup);

function Probe({ load }: { load: (signal: AbortSignal) => Promise<string> }) {
  const stable = useCallback((signal: AbortSignal) => load(signal), [load]);
  const r = useResource(stable);
  return (
    <p>
      {r.status}
      {r.data ? `: ${r.data}` : ""}
    </p>
  );
}

function renderProbe(load: (signal: AbortSignal) => Promise<string>) {
  const handleAuthError = vi.fn((err: unknown) => err instanceof UnauthorizedError);
  const session = { me: {}, refresh: () => undefined, handleAuthError } as unknown as SessionContextValue;
  const view = render(
    <FaultsProvider>
      <SessionContext.Provider value={session}>
        <FaultBanner />
        <Probe load={load} />
      </SessionContext.Provider>
    </FaultsProvider>,
  );
  return { ...view, handleAuthError };
}

describe("useResource", () => {
  it("loads, and after a 503 shows the banner and tries again by itself after Retry-After", async () => {
    const load = vi
      .fn<(signal: AbortSignal) => Promise<string>>()
      .mockRejectedValueOnce(new UnavailableError("auth_unavailable", "busy", 1))
      .mockResolvedValue("hello");
    renderProbe(load);
    await screen.findByTestId("fault-banner");
    expect(await screen.findByText("ready: hello", undefined, { timeout: 3000 })).toBeTruthy();
    expect(load).toHaveBeenCalledTimes(2);
    expect(screen.queryByTestId("fault-banner")).toBeNull();
  });

  it("hands a 401 to the session (login) and does not retry", async () => {
    const err = new UnauthorizedError("invalid_token", "expired");
    const load = vi.fn(() => Promise.reject(err));
    const { handleAuthError } = renderProbe(load);
    await waitFor(() => {
      expect(handleAuthError).toHaveBeenCalledWith(err);
    });
    expect(load).toHaveBeenCalledTimes(1);
  });

  it("cancels the request when the page goes", () => {
    let seen: AbortSignal | undefined;
    const { unmount } = renderProbe((signal) => {
      seen = signal;
      return new Promise<string>(() => undefined);
    });
    unmount();
    expect(seen?.aborted).toBe(true);
  });
});
