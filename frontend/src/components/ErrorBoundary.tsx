import { Component, type ErrorInfo, type ReactNode } from "react";

interface State {
  error: Error | null;
}

/**
 * The last line: a bug that throws while rendering shows this instead of a blank page. End users
 * see plain words and a way on; development builds also show the error.
 */
export class ErrorBoundary extends Component<{ children: ReactNode }, State> {
  override state: State = { error: null };

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: unknown, info: ErrorInfo) {
    console.error("The app crashed while rendering:", error, info.componentStack);
  }

  override render() {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <div className="centered">
        <section className="card problem" role="alert" aria-labelledby="crash-title">
          <h1 id="crash-title">Something went wrong</h1>
          <p>This page stopped working. Reloading usually helps; your saved todos are safe on the server.</p>
          {import.meta.env.DEV ? <pre className="small crash-detail">{error.stack ?? error.message}</pre> : null}
          <button
            type="button"
            className="button primary"
            onClick={() => {
              window.location.reload();
            }}
          >
            Reload the page
          </button>
        </section>
      </div>
    );
  }
}
