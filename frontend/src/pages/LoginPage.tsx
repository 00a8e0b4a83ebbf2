import { useEffect, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { UnauthorizedError } from "../api";
import { config } from "../config";
import { describeHankoError, probeHanko, useHanko } from "../hanko";
import { useApi, type LoginLocationState } from "../session-context";
import { Brand } from "../components/Brand";
import { PageHeading } from "../components/PageHeading";

const reasonText: Record<NonNullable<LoginLocationState["reason"]>, string> = {
  "signed-out": "Please sign in to continue.",
  expired: "Your session expired. Sign in again to pick up where you left off.",
  "logged-out": "You are signed out. See you soon!",
};

export function LoginPage() {
  const navigate = useNavigate();
  const location = useLocation();
  const api = useApi();
  const { hanko, error: registerError } = useHanko();
  const [flowError, setFlowError] = useState<string | null>(null);
  const [reachError, setReachError] = useState<string | null>(null);
  const state = (location.state ?? {}) as LoginLocationState;
  const from = state.from && state.from !== "/" ? state.from : "/dashboard";

  // As soon as Hanko reports a new session, go to the page the user wanted.
  useEffect(() => {
    if (!hanko) return;
    const offCreated = hanko.onSessionCreated(() => {
      void navigate(from, { replace: true });
    });
    // hanko-auth shows its own field errors; an "error" state means the whole flow failed
    // (Hanko unreachable, CORS, a server error), which deserves a plain explanation.
    const offState = hanko.onAfterStateChange(({ state: flowState }) => {
      if (flowState.name === "error") {
        setFlowError(describeHankoError(flowState.error));
      } else {
        setFlowError(null);
      }
    });
    return () => {
      offCreated();
      offState();
    };
  }, [hanko, navigate, from]);

  // <hanko-auth> says only "a technical error has occurred" when it cannot reach Hanko; find
  // out why, so the page can say what to fix.
  useEffect(() => {
    const controller = new AbortController();
    void probeHanko(undefined, controller.signal).then((problem) => {
      if (!controller.signal.aborted) setReachError(problem);
    });
    return () => {
      controller.abort();
    };
  }, []);

  // Someone who is already signed in (the backend accepts their cookie) skips the form,
  // unless they just logged out or their session expired.
  useEffect(() => {
    if (state.reason === "logged-out" || state.reason === "expired") return;
    const controller = new AbortController();
    api.me(controller.signal).then(
      () => {
        void navigate(from, { replace: true });
      },
      (err: unknown) => {
        if (!(err instanceof UnauthorizedError) && !controller.signal.aborted) {
          // Not fatal here: the form still works; the dashboard will explain the problem.
          console.warn("Checking for an existing session failed:", err);
        }
      },
    );
    return () => {
      controller.abort();
    };
  }, [api, navigate, from, state.reason]);

  const problem = registerError ?? reachError ?? flowError;

  return (
    <div className="login-layout">
      <header className="login-header">
        <Brand />
      </header>
      <main className="login-main" id="main">
        <section className="login-intro">
          <PageHeading title="Sign in">Sign in to your todos</PageHeading>
          <p className="lead">
            Passkeys, passwords or a one-time code: Hanko handles the sign-in, and the Gin backend checks every
            request against your Hanko session.
          </p>
          <ul className="feature-list">
            <li>Session token verified with Hanko's public keys</li>
            <li>Cookie sent with every API call, CORS locked to this origin</li>
            <li>Your todos are yours alone</li>
          </ul>
        </section>
        <section className="card login-card" aria-label="Sign in">
          {state.reason ? (
            <p className={`notice ${state.reason === "expired" ? "warning" : "info"}`} role="status">
              {state.message ?? reasonText[state.reason]}
            </p>
          ) : null}
          {problem ? (
            <div className="notice error with-action" role="alert">
              <span>
                <strong>Sign-in is not available right now.</strong> {problem}
              </span>
              <button
                type="button"
                className="button small"
                onClick={() => {
                  window.location.reload();
                }}
              >
                Retry
              </button>
            </div>
          ) : null}
          {hanko ? <hanko-auth /> : registerError ? null : <p className="muted">Loading sign-in…</p>}
          {import.meta.env.DEV ? (
            <p className="muted small login-footnote">
              Hanko API: <code>{config.hankoApiUrl}</code>
            </p>
          ) : null}
        </section>
      </main>
    </div>
  );
}
