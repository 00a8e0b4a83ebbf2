/** The provider of the fault reports, and the banner that shows them (see src/faults.ts). */
import { useCallback, useContext, useMemo, useState, type ReactNode } from "react";
import { FaultsContext, type Fault } from "../faults";

export function FaultsProvider({ children }: { children: ReactNode }) {
  const [faults, setFaults] = useState<ReadonlyMap<string, Fault>>(() => new Map());
  const report = useCallback((id: string, fault: Fault | null) => {
    setFaults((current) => {
      if (fault === null && !current.has(id)) return current;
      const next = new Map(current);
      if (fault === null) next.delete(id);
      else next.set(id, fault);
      return next;
    });
  }, []);
  const value = useMemo(() => ({ faults, report }), [faults, report]);
  return <FaultsContext.Provider value={value}>{children}</FaultsContext.Provider>;
}

const headline: Record<string, string> = {
  auth_unavailable: "The server could not check your sign-in just now.",
  not_ready: "The server is starting up.",
  admin_unavailable: "The user directory is not available right now.",
};

/** The banner: nothing while all is well. */
export function FaultBanner() {
  const value = useContext(FaultsContext);
  const first = value ? [...value.faults.values()].sort((a, b) => a.delayMs - b.delayMs)[0] : undefined;
  // Announced once when it appears (no ticking countdown for screen readers to repeat).
  return (
    <div className="fault-slot" role="status" aria-live="polite">
      {first ? (
        <div className={`notice ${first.kind === "unreachable" ? "error" : "warning"} with-action fault-banner`} data-testid="fault-banner" data-code={first.code}>
          <span>
            <strong>
              {first.kind === "unreachable" ? "The server cannot be reached." : (headline[first.code] ?? "The server is busy.")}
            </strong>{" "}
            Trying again in {seconds(first.delayMs)}.
          </span>
          <button type="button" className="button small" onClick={first.retryNow}>
            Retry now
          </button>
        </div>
      ) : null}
    </div>
  );
}

function seconds(ms: number): string {
  const n = Math.max(1, Math.round(ms / 1000));
  return n === 1 ? "1 second" : `${n} seconds`;
}
