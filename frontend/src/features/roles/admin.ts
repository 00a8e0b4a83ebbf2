/**
 * The admin area's rules and sentences, kept out of the page so they are easy to test.
 */
import { ApiError, NetworkError, UnauthorizedError, describeError } from "../../api";
import type { RolesChange } from "./admin-api";

/** The role that opens the admin area (roles.Admin in the backend). */
export const ADMIN_ROLE = "admin";

/** Whether the verified session (`/api/me`) carries the admin role. Names are exact. */
export function isAdmin(me: { roles?: readonly string[] | null }): boolean {
  return Array.isArray(me.roles) && me.roles.includes(ADMIN_ROLE);
}

/** `roles` with `role` added at the end (unchanged when present). */
export function withRole(roles: readonly string[], role: string): string[] {
  return roles.includes(role) ? [...roles] : [...roles, role];
}

/** `roles` without `role`. */
export function withoutRole(roles: readonly string[], role: string): string[] {
  return roles.filter((r) => r !== role);
}

/** How many pages `total` users make at `perPage` a page (at least 1). */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

export interface AdminProblem {
  title: string;
  detail: string;
  /** Whether trying again can help. */
  retry: boolean;
  /** Whether the session is over, so the way on is signing in again. */
  signIn?: boolean;
}

/** Plain words for a failed admin call. */
export function describeAdminError(err: unknown): AdminProblem {
  // Admin routes ask Hanko about the session every time, so they can refuse a session that
  // the rest of the app (checking only the token's signature) still accepts: one that was
  // ended because its roles changed. Going back through the login page's "already signed
  // in?" check would only bounce the user back here, so they are asked to sign in again.
  if (err instanceof UnauthorizedError) {
    return {
      title: "Your session has ended",
      detail: "Hanko says this session is over, for example because your roles changed. Sign in again to continue.",
      retry: false,
      signIn: true,
    };
  }
  if (err instanceof ApiError) {
    switch (`${err.status} ${err.code}`) {
      case "403 forbidden":
        return {
          title: "This page is for admins",
          detail:
            "Your session does not have the admin role. Roles reach your session when you sign in: if an admin gave you the role recently, sign out and sign in again.",
          retry: false,
        };
      case "503 admin_unavailable":
        return {
          title: "Hanko's admin API is not available",
          detail: `The backend cannot use Hanko's admin API right now, so users and roles cannot be read or changed, and nothing is guessed. ${err.message}`,
          retry: true,
        };
      case "503 auth_unavailable":
        return {
          title: "Hanko could not confirm your session",
          detail:
            "Admin pages ask Hanko about your session on every request and never guess. Hanko did not answer; try again in a moment.",
          retry: true,
        };
      case "409 cannot_remove_own_admin":
        return { title: "You cannot remove your own admin role", detail: err.message, retry: false };
      case "404 not_found":
        return { title: "That user no longer exists", detail: "Hanko does not know this user any more; the list is reloaded.", retry: false };
      case "400 bad_request":
        return { title: "The change was refused", detail: err.message, retry: false };
    }
  }
  if (err instanceof NetworkError) return { title: "The server cannot be reached", detail: describeError(err), retry: true };
  return { title: "Something went wrong", detail: describeError(err), retry: true };
}

/** The sentence shown after a role change. */
export function describeChange(who: string, role: string, change: RolesChange): string {
  if (change.removed.includes(role)) {
    const ended = change.sessions_ended === 1 ? "1 session was" : `${change.sessions_ended} sessions were`;
    return `Removed ${role} from ${who}. ${ended} ended at Hanko, so the role is gone now; they sign in again.`;
  }
  if (change.roles.includes(role)) {
    return `${who} now has the ${role} role. It reaches their session when they next sign in.`;
  }
  return `Saved the roles of ${who}.`;
}
