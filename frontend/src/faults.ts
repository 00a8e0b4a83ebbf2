/**
 * Calm under faults: when the server is busy (503) or cannot be reached, the page keeps its layout,
 * one banner says so, and whatever failed is tried again by itself after the server's
 * `Retry-After` (capped). Loaders report their fault here under an id and clear it once they
 * succeed; the banner shows the one that will be retried first.
 */
import { createContext, useContext } from "react";
import { ApiError, NetworkError } from "./api";

export interface Fault {
  /** "unreachable": no answer at all; "busy": the server answered that it cannot serve now. */
  kind: "busy" | "unreachable";
  /** The backend's error code (auth_unavailable, not_ready, …), or "network". */
  code: string;
  /** How long until the retry (ms). */
  delayMs: number;
  /** Try at once instead of waiting. */
  retryNow: () => void;
}

export interface FaultsValue {
  faults: ReadonlyMap<string, Fault>;
  report: (id: string, fault: Fault | null) => void;
}

export const FaultsContext = createContext<FaultsValue | null>(null);

/** Reports a loader's fault (null clears it). A no-op outside a provider, so pieces render alone in tests. */
export function useReportFault(): (id: string, fault: Fault | null) => void {
  const value = useContext(FaultsContext);
  return value?.report ?? noop;
}

function noop() {
  // Outside a FaultsProvider nobody shows faults.
}

/** The fault for `err`, or null when `err` is not one that trying again can fix. */
export function faultFor(err: unknown, delayMs: number, retryNow: () => void): Fault | null {
  if (err instanceof NetworkError) return { kind: "unreachable", code: "network", delayMs, retryNow };
  if (err instanceof ApiError && (err.status === 503 || err.status === 502 || err.status === 504)) {
    return { kind: "busy", code: err.code, delayMs, retryNow };
  }
  return null;
}

