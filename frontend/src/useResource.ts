/**
 * Loading data for a page: one call of `load` per change of `load` (wrap it in useCallback),
 * cancelled when the page goes or `load` changes. A 401 sends the user to the login page; a busy or
 * unreachable server shows the fault banner and is retried by itself after its `Retry-After`
 * (capped); other errors stay on the page with `retry`.
 *
 *   const load = useCallback((signal: AbortSignal) => api.protectedMessage(signal), [api]);
 *   const answer = useResource(load);
 *   if (answer.status === "ready") … answer.data …
 */
import { useCallback, useContext, useEffect, useId, useState } from "react";
import { retryDelayMs } from "./api";
import { faultFor, useReportFault } from "./faults";
import { SessionContext } from "./session-context";

interface Actions<T> {
  /** Load again now. */
  retry: () => void;
  /** Changes the data on the page (after a change the server confirmed), without loading again. */
  update: (change: (data: T) => T) => void;
}

export type Resource<T> = Actions<T> &
  (
    | { status: "loading"; data: null; error: null }
    | { status: "ready"; data: T; error: null }
    /** `data` is the last good answer, if any; `waiting` is true while a retry is scheduled. */
    | { status: "failed"; data: T | null; error: unknown; waiting: boolean }
  );

export interface ResourceOptions {
  /**
   * Whether a 401 sends the user to the login page (the default). A page whose 401 means
   * something the login page cannot fix (a session Hanko ended, which the login page would
   * still accept) turns this off and explains the error itself.
   */
  signInOn401?: boolean;
}

type Inner<T> =
  | { status: "loading" }
  | { status: "ready"; data: T }
  | { status: "failed"; data: T | null; error: unknown; waiting: boolean };

export function useResource<T>(load: (signal: AbortSignal) => Promise<T>, options: ResourceOptions = {}): Resource<T> {
  const session = useContext(SessionContext);
  const handleAuthError = options.signInOn401 === false ? undefined : session?.handleAuthError;
  const report = useReportFault();
  const id = useId();
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<Inner<T>>({ status: "loading" });
  const retry = useCallback(() => {
    setAttempt((n) => n + 1);
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    load(controller.signal).then(
      (data) => {
        if (controller.signal.aborted) return;
        report(id, null);
        setState({ status: "ready", data });
      },
      (err: unknown) => {
        if (controller.signal.aborted) return;
        if (handleAuthError?.(err)) return;
        const delay = retryDelayMs(err);
        const fault = faultFor(err, delay, retry);
        if (fault) timer = window.setTimeout(retry, delay);
        report(id, fault);
        setState((s) => ({ status: "failed", data: s.status === "loading" ? null : s.data, error: err, waiting: fault !== null }));
      },
    );
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [load, attempt, handleAuthError, report, id, retry]);

  // The fault goes with the page.
  useEffect(
    () => () => {
      report(id, null);
    },
    [report, id],
  );

  const update = useCallback((change: (data: T) => T) => {
    setState((s) => (s.status === "ready" ? { status: "ready", data: change(s.data) } : s));
  }, []);

  switch (state.status) {
    case "loading":
      return { status: "loading", data: null, error: null, retry, update };
    case "ready":
      return { status: "ready", data: state.data, error: null, retry, update };
    case "failed":
      return { ...state, retry, update };
  }
}
