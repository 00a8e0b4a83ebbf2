import { useId, useState, type KeyboardEvent, type SubmitEvent } from "react";
import { TODO_TITLE_MAX } from "../api";
import { useApi, useSession } from "../session-context";
import { isUnsaved, useTodos, type TodoItem } from "../todos";

const failedWhat = {
  add: "The new todo was not saved.",
  update: "The change was not saved.",
  remove: "The todo was not deleted.",
} as const;

export function TodoList() {
  const api = useApi();
  const { handleAuthError } = useSession();
  const { state, add, toggle, rename, remove, loadMore, reload, retryFailed, dismissError, dismissLimit } = useTodos(
    api,
    handleAuthError,
  );
  const [draft, setDraft] = useState("");
  const [draftError, setDraftError] = useState<string | null>(null);
  const inputId = useId();
  const hintId = useId();

  function submit(event: SubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const problem = add(draft);
    setDraftError(problem);
    if (!problem) setDraft("");
  }

  const openCount = state.items.filter((t) => !t.done).length;
  const hasMore = state.nextCursor !== null;

  return (
    <section className="card todos" aria-labelledby="todos-title">
      <div className="card-header">
        <h2 id="todos-title">Your todos</h2>
        {state.status === "ready" ? (
          <span className="muted small" aria-live="polite">
            {state.items.length === 0 && !hasMore
              ? "Nothing yet"
              : `${openCount} open · ${state.items.length - openCount} done${hasMore ? " · more to load" : ""}`}
          </span>
        ) : null}
      </div>

      <form className="todo-form" onSubmit={submit} noValidate>
        <label htmlFor={inputId} className="visually-hidden">
          New todo
        </label>
        <input
          id={inputId}
          name="title"
          className="input"
          placeholder="What needs doing?"
          autoComplete="off"
          maxLength={TODO_TITLE_MAX + 50}
          value={draft}
          aria-invalid={draftError ? true : undefined}
          aria-describedby={draftError ? hintId : undefined}
          onChange={(event) => {
            setDraft(event.target.value);
            if (draftError) setDraftError(null);
          }}
        />
        <button type="submit" className="button primary">
          Add
        </button>
      </form>
      {draftError ? (
        <p id={hintId} className="field-error" role="alert">
          {draftError}
        </p>
      ) : null}

      {state.limitReached ? (
        <div className="notice warning with-action" role="alert" data-testid="todo-limit">
          <span>
            <strong>Todo limit reached.</strong> {state.limitReached}
          </span>
          <button type="button" className="button small ghost" onClick={dismissLimit} aria-label="Dismiss limit notice">
            Dismiss
          </button>
        </div>
      ) : null}

      {state.error ? (
        <div className="notice error with-action" role="alert">
          <span>
            {state.failed ? <strong>{failedWhat[state.failed.kind]} </strong> : null}
            {state.error}
          </span>
          {state.status === "failed" ? (
            <button type="button" className="button small" onClick={reload}>
              Retry
            </button>
          ) : (
            <span className="notice-actions">
              {state.failed ? (
                <button type="button" className="button small" onClick={retryFailed}>
                  Retry
                </button>
              ) : null}
              <button type="button" className="button small ghost" onClick={dismissError} aria-label="Dismiss error">
                Dismiss
              </button>
            </span>
          )}
        </div>
      ) : null}

      {state.status === "loading" ? (
        <p className="muted" role="status">
          Loading your todos…
        </p>
      ) : state.status === "ready" && state.items.length === 0 && !hasMore ? (
        <div className="empty">
          <p>No todos yet.</p>
          <p className="muted small">Add one above; it is stored by the backend under your Hanko user id.</p>
        </div>
      ) : (
        <>
          <ul className="todo-list" aria-label="Todos">
            {state.items.map((item) => (
              <TodoRow key={item.id} item={item} onToggle={toggle} onRename={rename} onRemove={remove} />
            ))}
          </ul>
          {hasMore ? (
            <div className="todo-more">
              <button type="button" className="button" onClick={loadMore} disabled={state.loadingMore}>
                {state.loadingMore ? "Loading…" : "Load more"}
              </button>
            </div>
          ) : null}
        </>
      )}
    </section>
  );
}

function TodoRow({
  item,
  onToggle,
  onRename,
  onRemove,
}: {
  item: TodoItem;
  onToggle: (id: string) => void;
  onRename: (id: string, title: string) => string | null;
  onRemove: (id: string) => void;
}) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(item.title);
  const [error, setError] = useState<string | null>(null);
  const unsaved = isUnsaved(item);
  const errorId = useId();

  function startEditing() {
    setValue(item.title);
    setError(null);
    setEditing(true);
  }

  function save() {
    const problem = onRename(item.id, value);
    setError(problem);
    if (!problem) setEditing(false);
  }

  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === "Escape") {
      event.preventDefault();
      setEditing(false);
      setError(null);
    }
  }

  return (
    <li className={`todo ${item.done ? "done" : ""} ${item.pending ? "pending" : ""}`} aria-busy={item.pending}>
      <input
        type="checkbox"
        className="checkbox"
        checked={item.done}
        disabled={unsaved}
        onChange={() => {
          onToggle(item.id);
        }}
        aria-label={`Mark "${item.title}" as ${item.done ? "not done" : "done"}`}
      />
      {editing ? (
        <form
          className="todo-edit"
          onSubmit={(event) => {
            event.preventDefault();
            save();
          }}
        >
          <input
            className="input"
            value={value}
            autoFocus
            aria-label={`New title for "${item.title}"`}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(event) => {
              setValue(event.target.value);
            }}
            onKeyDown={onKeyDown}
          />
          <button type="submit" className="button small primary">
            Save
          </button>
          <button
            type="button"
            className="button small ghost"
            onClick={() => {
              setEditing(false);
              setError(null);
            }}
          >
            Cancel
          </button>
          {error ? (
            <p id={errorId} className="field-error" role="alert">
              {error}
            </p>
          ) : null}
        </form>
      ) : (
        <>
          <span className="todo-title" onDoubleClick={unsaved ? undefined : startEditing} data-testid="todo-title">
            {item.title}
          </span>
          <div className="todo-actions">
            {item.pending ? <span className="spinner small" role="status" aria-label="Saving" /> : null}
            <button
              type="button"
              className="icon-button"
              onClick={startEditing}
              disabled={unsaved}
              aria-label={`Rename "${item.title}"`}
              title="Rename"
            >
              <svg viewBox="0 0 20 20" aria-hidden="true">
                <path d="M13.6 3.6a2 2 0 012.8 2.8l-8.9 8.9-3.7.9.9-3.7 8.9-8.9z" />
              </svg>
            </button>
            <button
              type="button"
              className="icon-button danger"
              onClick={() => {
                onRemove(item.id);
              }}
              disabled={unsaved}
              aria-label={`Delete "${item.title}"`}
              title="Delete"
            >
              <svg viewBox="0 0 20 20" aria-hidden="true">
                <path d="M5 6h10M8 6V4h4v2M6.5 6l.7 10h5.6l.7-10" />
              </svg>
            </button>
          </div>
        </>
      )}
    </li>
  );
}
