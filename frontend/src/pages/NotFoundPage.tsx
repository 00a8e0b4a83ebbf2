import { Link, useLocation } from "react-router";
import { Brand } from "../components/Brand";
import { PageHeading } from "../components/PageHeading";

/** Any path the app has no page for. */
export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <div className="login-layout">
      <header className="login-header">
        <Brand />
      </header>
      <main className="centered" id="main">
        <section className="card" aria-labelledby="not-found-text">
          <PageHeading title="Page not found" />
          <p id="not-found-text">
            There is no page at <code>{pathname}</code>.
          </p>
          <Link className="button primary" to="/dashboard">
            Go to the dashboard
          </Link>
        </section>
      </main>
    </div>
  );
}
