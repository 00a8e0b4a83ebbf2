import { useEffect, useState } from "react";
import type { User } from "@teamhanko/hanko-elements";
import { PageHeading } from "../components/PageHeading";
import { formatDateTime } from "../format";
import { describeHankoError, useHanko } from "../hanko";

export function ProfilePage() {
  const { hanko, error } = useHanko();
  const [user, setUser] = useState<User | null>(null);
  const [userError, setUserError] = useState<string | null>(null);

  // The account as Hanko itself sees it (GET {hanko}/me). A 401 there makes the SDK fire
  // onSessionExpired, which opens the "session expired" dialog.
  useEffect(() => {
    if (!hanko) return;
    let active = true;
    hanko.getCurrentUser().then(
      (current) => {
        if (active) setUser(current);
      },
      (err: unknown) => {
        if (active) setUserError(describeHankoError(err));
      },
    );
    return () => {
      active = false;
    };
  }, [hanko]);

  const primaryEmail = user?.emails?.find((e) => e.is_primary) ?? user?.emails?.[0];

  return (
    <div className="page narrow">
      <div className="page-heading">
        <PageHeading title="Profile" />
        <p className="muted">
          Manage your email addresses, passkeys and password. These settings live in Hanko, not in this app's
          backend. Deleting your account here also deletes your todos.
        </p>
      </div>

      <section className="card" aria-labelledby="account-title">
        <div className="card-header">
          <h2 id="account-title">Hanko account</h2>
          <code className="endpoint">hanko.getCurrentUser()</code>
        </div>
        {userError ? (
          <p className="notice error" role="alert">
            {userError}
          </p>
        ) : user ? (
          <dl className="facts facts-row">
            <div className="wide">
              <dt>User ID</dt>
              <dd>
                <code data-testid="hanko-user-id">{user.user_id}</code>
              </dd>
            </div>
            <div>
              <dt>Primary email</dt>
              <dd>{primaryEmail?.address ?? <span className="muted">none</span>}</dd>
            </div>
            <div>
              <dt>Passkeys</dt>
              <dd>{user.passkeys?.length ?? 0}</dd>
            </div>
            <div>
              <dt>Member since</dt>
              <dd>{formatDateTime(user.created_at)}</dd>
            </div>
          </dl>
        ) : (
          <p className="muted" role="status">
            Asking Hanko…
          </p>
        )}
      </section>

      <section className="card profile-card" aria-label="Hanko profile settings">
        {error ? (
          <p className="notice error" role="alert">
            {error}
          </p>
        ) : hanko ? (
          <hanko-profile />
        ) : (
          <p className="muted">Loading profile…</p>
        )}
      </section>
    </div>
  );
}
