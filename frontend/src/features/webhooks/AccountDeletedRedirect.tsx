import { useEffect } from "react";
import { useNavigate } from "react-router";
import { useHanko } from "../../hanko";
import type { LoginLocationState } from "../../session-context";

/** What the login page says once the account is gone. */
export const accountDeletedMessage = "Your account and your todos were deleted.";

/**
 * Deleting the account in <hanko-profile> ends in Hanko's `account_deleted` flow state, on which
 * hanko-elements fires its user-deleted event ("hanko-user-deleted", `hanko.onUserDeleted`). By
 * then Hanko has deleted the user and sent the backend its `user.delete` webhook, and the backend
 * has deleted the user's todos. This sends the user to the login page, which says so.
 */
export function AccountDeletedRedirect() {
  const { hanko } = useHanko();
  const navigate = useNavigate();

  useEffect(() => {
    if (!hanko) return;
    return hanko.onUserDeleted(() => {
      // Self-hosted Hanko clears its own cookie in the answer; a cookie the SDK wrote on this
      // page's host (Hanko Cloud) stays unless removed here, as logout does. Hanko answers 401
      // (the session is gone), which logout treats as done.
      hanko.logout().catch((err: unknown) => {
        console.warn("Clearing the session after the account was deleted failed:", err);
      });
      // Signed out, like after "Log out": the login page does not ask for a session first.
      const state: LoginLocationState = { reason: "logged-out", message: accountDeletedMessage };
      void navigate("/", { replace: true, state });
    });
  }, [hanko, navigate]);

  return null;
}
