import { useHanko } from "../hanko";

export function ProfilePage() {
  const { hanko, error } = useHanko();
  return (
    <div className="page narrow">
      <div className="page-heading">
        <h1>Profile</h1>
        <p className="muted">
          Manage your email addresses, passkeys and password. These settings live in Hanko, not in this app's
          backend.
        </p>
      </div>
      <section className="card profile-card" aria-label="Hanko profile">
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
