import { useState } from "react";
import { NavLink, useNavigate } from "react-router";
import type { Me } from "../api";
import type { FeatureNavLink } from "../features/feature";
import { describeHankoError, loadHanko } from "../hanko";
import type { LoginLocationState } from "../session-context";
import { pageLinks } from "../navigation";
import { Brand } from "./Brand";

/** `links`: the features' entries after the app's own pages, each shown when its `visible(me)` allows. */
export function Header({ me, links = [] }: { me: Me; links?: readonly FeatureNavLink[] }) {
  const navigate = useNavigate();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const who = me.email?.address ?? me.username ?? me.user_id;

  async function logout() {
    setBusy(true);
    setError(null);
    try {
      const hanko = await loadHanko();
      await hanko.logout();
      const state: LoginLocationState = { reason: "logged-out" };
      await navigate("/", { replace: true, state });
    } catch (err) {
      setError(`Logging out failed: ${describeHankoError(err)}`);
      setBusy(false);
    }
  }

  return (
    <header className="app-header">
      <div className="app-header-inner">
        <Brand to="/dashboard" />
        <nav aria-label="Main" className="main-nav">
          {[...pageLinks, ...links]
            .filter((link) => link.visible?.(me) ?? true)
            .map((link) => (
              <NavLink key={link.to} to={link.to}>
                {link.label}
              </NavLink>
            ))}
        </nav>
        <div className="user-menu">
          <span className="avatar" aria-hidden="true">
            {who.slice(0, 1).toUpperCase()}
          </span>
          <span className="user-email" title={who} data-testid="header-email">
            {who}
          </span>
          <button type="button" className="button ghost" onClick={() => void logout()} disabled={busy}>
            {busy ? "Logging out…" : "Log out"}
          </button>
        </div>
      </div>
      {error ? (
        <p className="notice error header-error" role="alert">
          {error}
        </p>
      ) : null}
    </header>
  );
}
