/**
 * Contexts shared by the route guard and the pages: the API client and the verified session.
 */
import { createContext, useContext } from "react";
import { UnauthorizedError, describeError, type ApiClient, type Me } from "./api";

export const ApiContext = createContext<ApiClient | null>(null);

export function useApi(): ApiClient {
  const client = useContext(ApiContext);
  if (!client) throw new Error("useApi must be used inside <ApiProvider>.");
  return client;
}

/** Why the login page is shown; carried in the navigation state. */
export type LoginReason = "signed-out" | "expired" | "logged-out";

export interface LoginLocationState {
  reason?: LoginReason;
  /** A sentence shown instead of the reason's own, e.g. a feature's after deleting the account. */
  message?: string;
  from?: string;
}

export type GuardState =
  | { status: "checking" }
  | { status: "signed-in"; me: Me }
  | { status: "signed-out" }
  /** The server is busy or unreachable and nobody is signed in yet: the check runs again by itself. */
  | { status: "waiting" }
  | { status: "error"; message: string };

/** What the guard shows after `/api/me` failed with `err`. */
export function guardStateForError(err: unknown): GuardState {
  if (err instanceof UnauthorizedError) return { status: "signed-out" };
  return { status: "error", message: describeError(err) };
}

export interface SessionContextValue {
  me: Me;
  /** Ask `/api/me` again (e.g. after a retry button). */
  refresh: () => void;
  /**
   * Lets pages hand over errors from their own API calls: a 401 anywhere signs the user out of
   * the UI (to the login page). Returns true when the error was handled that way.
   */
  handleAuthError: (err: unknown) => boolean;
}

export const SessionContext = createContext<SessionContextValue | null>(null);

export function useSession(): SessionContextValue {
  const value = useContext(SessionContext);
  if (!value) throw new Error("useSession must be used inside <RequireSession>.");
  return value;
}

