import { useEffect, useMemo } from "react";
import { Route, Routes } from "react-router";
import { createApiClient } from "./api";
import { FaultBanner, FaultsProvider } from "./components/Faults";
import { Header } from "./components/Header";
import { SessionExpiredDialog } from "./components/SessionExpiredDialog";
import { config } from "./config";
import { features } from "./features";
import { DashboardPage } from "./pages/DashboardPage";
import { sessionToken } from "./hanko";
import { LoginPage } from "./pages/LoginPage";
import { NotFoundPage } from "./pages/NotFoundPage";
import { ProfilePage } from "./pages/ProfilePage";
import { ApiProvider, RequireSession } from "./session";

const featureRoutes = features.flatMap((f) => f.routes ?? []);
const navLinks = features.flatMap((f) => f.nav ?? []);
const listeners = features.flatMap((f) => (f.listeners ?? []).map((Listener, i) => ({ key: `${f.name}-${i}`, Listener })));

export function App() {
  const api = useMemo(
    () =>
      createApiClient({
        baseUrl: config.apiUrl,
        bearerToken: config.authTransport === "bearer" ? sessionToken : undefined,
      }),
    [],
  );

  if (config.problems.length > 0) return <ConfigProblems problems={config.problems} />;

  return (
    <ApiProvider client={api}>
      <FaultsProvider>
        <Routes>
          <Route path="/" element={<LoginPage />} />
          <Route
            element={
              <RequireSession
                layout={(page, session) => (
                  <div className="app-layout">
                    <a className="skip-link" href="#main">
                      Skip to content
                    </a>
                    <Header me={session.me} links={navLinks} />
                    <main id="main" className="app-main">
                      <FaultBanner />
                      {page}
                    </main>
                  </div>
                )}
              />
            }
          >
            <Route path="/dashboard" element={<DashboardPage />} />
            <Route path="/profile" element={<ProfilePage />} />
            {featureRoutes.map(({ path, Page }) => (
              <Route key={path} path={path} element={<Page />} />
            ))}
          </Route>
          <Route path="*" element={<NotFoundPage />} />
        </Routes>
      </FaultsProvider>
      <SessionExpiredDialog />
      {listeners.map(({ key, Listener }) => (
        <Listener key={key} />
      ))}
    </ApiProvider>
  );
}

function ConfigProblems({ problems }: { problems: string[] }) {
  // The settings are the operator's business: end users get plain words, the console the details.
  useEffect(() => {
    console.error(`The app's settings have problems:\n${problems.join("\n")}`);
  }, [problems]);
  return (
    <div className="centered">
      <section className="card problem" role="alert" aria-labelledby="config-title">
        <h1 id="config-title">This app is not configured yet</h1>
        {import.meta.env.DEV ? (
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        ) : (
          <p>The site is being set up. Please come back later.</p>
        )}
      </section>
    </div>
  );
}
