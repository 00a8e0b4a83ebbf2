import { useCallback, useEffect, useState } from "react";
import { describeError, type Me } from "../api";
import { PageHeading } from "../components/PageHeading";
import { TodoList } from "../components/TodoList";
import { formatDateTime, formatRemaining } from "../format";
import { useApi, useSession } from "../session-context";
import { useResource } from "../useResource";

export function DashboardPage() {
  const { me } = useSession();
  const greeting = me.email?.address ?? me.username ?? "there";
  return (
    <div className="page">
      <div className="page-heading">
        <PageHeading title="Dashboard">Welcome back</PageHeading>
        <p className="muted">
          Signed in as <strong>{greeting}</strong>. Everything below comes from the Gin backend, which verified your
          Hanko session.
        </p>
      </div>
      <div className="dashboard-grid">
        <div className="dashboard-side">
          <SessionCard me={me} />
          <ProtectedCard />
        </div>
        <TodoList />
      </div>
    </div>
  );
}

function useNow(intervalMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = window.setInterval(() => {
      setNow(Date.now());
    }, intervalMs);
    return () => {
      window.clearInterval(id);
    };
  }, [intervalMs]);
  return now;
}

const amrNames: Record<string, string> = {
  pwd: "password",
  webauthn: "passkey",
  otp: "one-time code",
  passcode: "email code",
};

function SessionCard({ me }: { me: Me }) {
  const now = useNow(30_000);
  return (
    <section className="card" aria-labelledby="session-title">
      <div className="card-header">
        <h2 id="session-title">Your session</h2>
        <span className="badge success">Verified by backend</span>
      </div>
      <dl className="facts">
        <div>
          <dt>Email</dt>
          <dd data-testid="me-email">
            {me.email ? (
              <>
                {me.email.address}{" "}
                <span className={`badge ${me.email.is_verified ? "success" : "neutral"}`}>
                  {me.email.is_verified ? "verified" : "unverified"}
                </span>
              </>
            ) : (
              <span className="muted">none</span>
            )}
          </dd>
        </div>
        {me.username ? (
          <div>
            <dt>Username</dt>
            <dd>{me.username}</dd>
          </div>
        ) : null}
        <div>
          <dt>User ID</dt>
          <dd>
            <code data-testid="me-user-id">{me.user_id}</code>
          </dd>
        </div>
        <div>
          <dt>Session expires</dt>
          <dd>
            <time dateTime={me.expires_at} data-testid="me-expires">
              {formatDateTime(me.expires_at)}
            </time>{" "}
            <span className="muted">({formatRemaining(me.expires_at, now)})</span>
          </dd>
        </div>
        {me.amr && me.amr.length > 0 ? (
          <div>
            <dt>Signed in with</dt>
            <dd>{me.amr.map((m) => amrNames[m] ?? m).join(", ")}</dd>
          </div>
        ) : null}
      </dl>
    </section>
  );
}

function ProtectedCard() {
  const api = useApi();
  const load = useCallback((signal: AbortSignal) => api.protectedMessage(signal), [api]);
  const answer = useResource(load);

  return (
    <section className="card" aria-labelledby="protected-title">
      <div className="card-header">
        <h2 id="protected-title">Protected endpoint</h2>
        <code className="endpoint">GET /api/protected</code>
      </div>
      {answer.data ? (
        <blockquote className="quote" data-testid="protected-message">
          {answer.data.message}
        </blockquote>
      ) : answer.status === "failed" && !answer.waiting ? (
        <div className="notice error with-action" role="alert">
          <span>{describeError(answer.error)}</span>
          <button type="button" className="button small" onClick={answer.retry}>
            Retry
          </button>
        </div>
      ) : (
        <p className="muted" role="status">
          Asking the backend…
        </p>
      )}
    </section>
  );
}
