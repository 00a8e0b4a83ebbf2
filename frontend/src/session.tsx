/**
 * Route protection. The backend, not the browser, decides whether someone is signed in: the
 * guard asks `GET /api/me` (cookie included) each time a protected page is opened.
 *   200 → render the page with the verified session
 *   401 → back to the login page, which returns here after signing in
 *   503 or no answer → the layout stays (or, before the first answer, a calm waiting screen),
 *         the fault banner says so, and the check runs again after `Retry-After`
 */
import { useCallback, useEffect, useMemo, useState, type ReactNode } from "react";
import { Navigate, Outlet, useLocation } from "react-router";
import { UnauthorizedError, retryDelayMs, type ApiClient } from "./api";
import { FaultBanner } from "./components/Faults";
import { faultFor, useReportFault } from "./faults";
import {
  ApiContext,
  SessionContext,
  guardStateForError,
  useApi,
  type GuardState,
  type LoginLocationState,
  type SessionContextValue,
} from "./session-context";

export function ApiProvider({ client, children }: { client: ApiClient; children: ReactNode }) {
  return <ApiContext.Provider value={client}>{children}</ApiContext.Provider>;
}


export interface RequireSessionProps {
  /** Wraps the protected page, e.g. to add the header. Defaults to rendering the page alone. */
  layout?: (page: ReactNode, session: SessionContextValue) => ReactNode;
}

/** Layout route: renders its child route only for a session the backend accepts. */
export function RequireSession({ layout }: RequireSessionProps) {
  const api = useApi();
  const location = useLocation();
  const report = useReportFault();
  const [state, setState] = useState<GuardState>({ status: "checking" });
  const [attempt, setAttempt] = useState(0);

  const refresh = useCallback(() => {
    setState((s) => (s.status === "signed-in" ? s : { status: "checking" }));
    setAttempt((n) => n + 1);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    api
      .me(controller.signal)
      .then((me) => {
        report("session", null);
        setState({ status: "signed-in", me });
      })
      .catch((err: unknown) => {
        if (controller.signal.aborted) return;
        // A busy or unreachable server says nothing about the session: whoever was signed in
        // stays signed in, the layout stays, and the check runs again by itself.
        const delay = retryDelayMs(err);
        const fault = faultFor(err, delay, refresh);
        report("session", fault);
        if (fault) {
          timer = window.setTimeout(refresh, delay);
          setState((s) => (s.status === "signed-in" ? s : { status: "waiting" }));
          return;
        }
        setState(guardStateForError(err));
      });
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // Re-check on every navigation (location.key) and on retry.
  }, [api, location.key, attempt, report, refresh]);

  useEffect(
    () => () => {
      report("session", null);
    },
    [report],
  );

  const handleAuthError = useCallback((err: unknown) => {
    if (err instanceof UnauthorizedError) {
      setState({ status: "signed-out" });
      return true;
    }
    return false;
  }, []);

  const me = state.status === "signed-in" ? state.me : null;
  const session = useMemo<SessionContextValue | null>(
    () => (me ? { me, refresh, handleAuthError } : null),
    [me, refresh, handleAuthError],
  );

  switch (state.status) {
    case "checking":
      return (
        <div className="centered" role="status" aria-live="polite">
          <span className="spinner" aria-hidden="true" />
          <span>Checking your session…</span>
        </div>
      );
    case "waiting":
      return (
        <div className="centered waiting">
          <span className="spinner" aria-hidden="true" />
          <FaultBanner />
        </div>
      );
    case "signed-out": {
      const loginState: LoginLocationState = { reason: "signed-out", from: location.pathname + location.search };
      return <Navigate to="/" replace state={loginState} />;
    }
    case "error":
      return (
        <GuardProblem
          title="Could not load your session"
          detail="Something went wrong while asking the server who you are."
          technical={state.message}
          onRetry={refresh}
        />
      );
    case "signed-in": {
      if (!session) return null;
      const page = <Outlet />;
      return <SessionContext.Provider value={session}>{layout ? layout(page, session) : page}</SessionContext.Provider>;
    }
  }
}

function GuardProblem({
  title,
  detail,
  technical,
  onRetry,
}: {
  title: string;
  detail: string;
  technical: string;
  onRetry: () => void;
}) {
  return (
    <div className="centered">
      <section className="card problem" role="alert" aria-labelledby="guard-problem-title">
        <h1 id="guard-problem-title">{title}</h1>
        <p>{detail}</p>
        <p className="muted small">{technical}</p>
        <button type="button" className="button primary" onClick={onRetry}>
          Try again
        </button>
      </section>
    </div>
  );
}
