import { useEffect, useRef, useState } from "react";
import { useLocation, useNavigate } from "react-router";
import { useHanko } from "../hanko";
import type { LoginLocationState } from "../session-context";

/**
 * Hanko's SDK checks the session in the background and fires `onSessionExpired` when it ends
 * (expiry, logout in another tab, revocation). Tell the user instead of silently failing calls.
 */
export function SessionExpiredDialog() {
  const { hanko } = useHanko();
  const navigate = useNavigate();
  const { pathname } = useLocation();
  const onLoginPage = pathname === "/";
  const [open, setOpen] = useState(false);
  const dialogRef = useRef<HTMLDialogElement>(null);

  // On the login page there is nothing to interrupt: the form is already there.
  useEffect(() => {
    if (!hanko || onLoginPage) return;
    return hanko.onSessionExpired(() => {
      setOpen(true);
    });
  }, [hanko, onLoginPage]);

  useEffect(() => {
    const dialog = dialogRef.current;
    if (!dialog) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);

  function signInAgain() {
    setOpen(false);
    const state: LoginLocationState = { reason: "expired" };
    void navigate("/", { replace: true, state });
  }

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="session-expired-title"
      aria-describedby="session-expired-text"
      onCancel={(event) => {
        // Escape must not leave the user on a page whose calls will all fail.
        event.preventDefault();
      }}
    >
      <h2 id="session-expired-title">Your session expired</h2>
      <p id="session-expired-text">For your security you have been signed out. Sign in again to continue.</p>
      <div className="dialog-actions">
        <button type="button" className="button primary" onClick={signInAgain} autoFocus>
          Sign in again
        </button>
      </div>
    </dialog>
  );
}
