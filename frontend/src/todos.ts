/**
 * Todo list state with optimistic updates: every change shows at once, is sent to the backend,
 * and is undone (with an error message) if the backend refuses it. The list arrives in pages
 * (newest first); `loadMore` appends the next one.
 */
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef } from "react";
import { useResource } from "./useResource";
import {
  TodoLimitError,
  checkTodoTitle,
  describeError,
  type ApiClient,
  type Todo,
  type TodoPage,
  type TodoPatch,
} from "./api";

/** Todos per page, the backend's default. */
export const TODO_PAGE_SIZE = 50;

export interface TodoItem extends Todo {
  /** True while a change to this item is on its way to the backend. */
  pending: boolean;
}

export interface TodosState {
  status: "loading" | "ready" | "failed";
  items: TodoItem[];
  /** Where the next page starts; null when every page is loaded. */
  nextCursor: string | null;
  /** True while the next page is on its way. */
  loadingMore: boolean;
  /** The last error, as a sentence for the user. */
  error: string | null;
  /** Set when the backend refused a new todo because the user has reached the limit: its sentence. */
  limitReached: string | null;
  /** The change that failed last (shown with `error`), so the user can send it again. */
  failed: FailedChange | null;
}

/** A change the backend did not take, as it can be sent again. */
export type FailedChange =
  | { kind: "add"; title: string }
  | { kind: "update"; id: string; patch: TodoPatch }
  | { kind: "remove"; id: string };

export type TodosAction =
  | { type: "loaded"; page: TodoPage }
  | { type: "load-more"; cursor: string }
  | { type: "more-loaded"; cursor: string; page: TodoPage }
  | { type: "more-failed"; cursor: string; error: string }
  | { type: "add"; item: TodoItem }
  | { type: "add-confirmed"; tempId: string; todo: Todo }
  | { type: "add-failed"; tempId: string; title: string; error: string }
  | { type: "add-refused-limit"; tempId: string; message: string }
  | { type: "update"; id: string; patch: TodoPatch }
  | { type: "update-confirmed"; todo: Todo }
  | { type: "update-failed"; id: string; previous: TodoPatch; attempted: TodoPatch; error: string }
  | { type: "remove"; id: string }
  | { type: "remove-confirmed"; id: string }
  | { type: "remove-failed"; item: TodoItem; index: number; error: string }
  | { type: "dismiss-error" }
  | { type: "dismiss-limit" };

export const initialTodosState: TodosState = {
  status: "loading",
  items: [],
  nextCursor: null,
  loadingMore: false,
  error: null,
  limitReached: null,
  failed: null,
};

function settle(todo: Todo): TodoItem {
  return { ...todo, pending: false };
}

export function todosReducer(state: TodosState, action: TodosAction): TodosState {
  switch (action.type) {
    case "loaded":
      return { ...initialTodosState, status: "ready", items: action.page.todos.map(settle), nextCursor: action.page.nextCursor };
    case "load-more":
      if (action.cursor !== state.nextCursor) return state;
      return { ...state, loadingMore: true, error: null };
    case "more-loaded": {
      // An answer for a cursor that is no longer ours (the list was reloaded) is dropped.
      if (action.cursor !== state.nextCursor) return state;
      // The next page starts after the last loaded todo, so it cannot hold one we have, except
      // one added here in the meantime with a clock behind the server's; show each todo once.
      const have = new Set(state.items.map((t) => t.id));
      const more = action.page.todos.filter((t) => !have.has(t.id)).map(settle);
      return { ...state, items: [...state.items, ...more], nextCursor: action.page.nextCursor, loadingMore: false };
    }
    case "more-failed":
      if (action.cursor !== state.nextCursor) return state;
      return { ...state, loadingMore: false, error: action.error };
    case "add":
      // Newest first, like the backend's list.
      return { ...state, items: [action.item, ...state.items], error: null, failed: null };
    case "add-confirmed":
      return {
        ...state,
        items: state.items.map((t) => (t.id === action.tempId ? settle(action.todo) : t)),
      };
    case "add-failed":
      return {
        ...state,
        items: state.items.filter((t) => t.id !== action.tempId),
        error: action.error,
        failed: { kind: "add", title: action.title },
      };
    case "add-refused-limit":
      return { ...state, items: state.items.filter((t) => t.id !== action.tempId), limitReached: action.message };
    case "update":
      return {
        ...state,
        items: state.items.map((t) => (t.id === action.id ? { ...t, ...action.patch, pending: true } : t)),
        error: null,
        failed: null,
      };
    case "update-confirmed":
      return {
        ...state,
        items: state.items.map((t) => (t.id === action.todo.id ? settle(action.todo) : t)),
      };
    case "update-failed":
      return {
        ...state,
        items: state.items.map((t) => {
          if (t.id !== action.id) return t;
          // Undo only the fields that still show this attempt, so a later change is kept.
          const reverted: TodoItem = { ...t, pending: false };
          if (action.attempted.title !== undefined && t.title === action.attempted.title && action.previous.title !== undefined) {
            reverted.title = action.previous.title;
          }
          if (action.attempted.done !== undefined && t.done === action.attempted.done && action.previous.done !== undefined) {
            reverted.done = action.previous.done;
          }
          return reverted;
        }),
        error: action.error,
        failed: { kind: "update", id: action.id, patch: action.attempted },
      };
    case "remove":
      return { ...state, items: state.items.filter((t) => t.id !== action.id), error: null, failed: null };
    case "remove-confirmed":
      // A delete frees a slot under the limit.
      return state.limitReached === null ? state : { ...state, limitReached: null };
    case "remove-failed": {
      const failed: FailedChange = { kind: "remove", id: action.item.id };
      if (state.items.some((t) => t.id === action.item.id)) return { ...state, error: action.error, failed };
      const items = [...state.items];
      items.splice(Math.min(action.index, items.length), 0, { ...action.item, pending: false });
      return { ...state, items, error: action.error, failed };
    }
    case "dismiss-error":
      return { ...state, error: null, failed: null };
    case "dismiss-limit":
      return { ...state, limitReached: null };
  }
}

export interface UseTodos {
  state: TodosState;
  /** Resolves to an error sentence when the title is invalid, else null (the add runs on). */
  add: (title: string) => string | null;
  toggle: (id: string) => void;
  rename: (id: string, title: string) => string | null;
  remove: (id: string) => void;
  /** Appends the next page, if there is one and it is not already on its way. */
  loadMore: () => void;
  reload: () => void;
  /** Sends the change that failed last again. */
  retryFailed: () => void;
  dismissError: () => void;
  dismissLimit: () => void;
}

let tempCounter = 0;
const TEMP_PREFIX = "pending-";

/** True for an item that the backend has not stored yet (it has no real id to change). */
export function isUnsaved(item: Pick<Todo, "id">): boolean {
  return item.id.startsWith(TEMP_PREFIX);
}

/**
 * @param onError called with every failed request's error first; return true when it was
 *   handled elsewhere (e.g. a 401 that sends the user to the login page).
 */
export function useTodos(api: ApiClient, onError: (err: unknown) => boolean = () => false): UseTodos {
  const [state, dispatch] = useReducer(todosReducer, initialTodosState);
  const stateRef = useRef(state);
  const onErrorRef = useRef(onError);
  // A layout effect runs in the same commit that puts the state on screen, so a click on what
  // was just rendered (a new page's Delete, Load more) never reads the state before it.
  useLayoutEffect(() => {
    stateRef.current = state;
    onErrorRef.current = onError;
  });

  const fail = useCallback((err: unknown): string => {
    onErrorRef.current(err);
    return describeError(err);
  }, []);

  // The request for the next page, while one is on its way.
  const moreRef = useRef<AbortController | null>(null);
  const cancelMore = useCallback(() => {
    moreRef.current?.abort();
    moreRef.current = null;
  }, []);

  const loadFirst = useCallback(
    (signal: AbortSignal) => {
      cancelMore();
      return api.listTodos({ limit: TODO_PAGE_SIZE, signal }).then((page) => {
        if (!signal.aborted) dispatch({ type: "loaded", page });
        return page;
      });
    },
    [api, cancelMore],
  );
  // A busy or unreachable server is retried by itself (with the fault banner); a 401 goes to login.
  const first = useResource(loadFirst);
  const reload = first.retry;
  useEffect(() => cancelMore, [cancelMore]);

  const loadMore = useCallback(() => {
    const cursor = stateRef.current.nextCursor;
    if (cursor === null || moreRef.current) return;
    const controller = new AbortController();
    moreRef.current = controller;
    dispatch({ type: "load-more", cursor });
    const done = () => {
      if (moreRef.current === controller) moreRef.current = null;
    };
    api.listTodos({ limit: TODO_PAGE_SIZE, cursor, signal: controller.signal }).then(
      (page) => {
        done();
        dispatch({ type: "more-loaded", cursor, page });
      },
      (err: unknown) => {
        done();
        if (!controller.signal.aborted) dispatch({ type: "more-failed", cursor, error: fail(err) });
      },
    );
  }, [api, fail]);

  const add = useCallback(
    (raw: string) => {
      const checked = checkTodoTitle(raw);
      if (!checked.ok) return checked.message;
      tempCounter += 1;
      const tempId = `${TEMP_PREFIX}${tempCounter}`;
      const now = new Date().toISOString();
      dispatch({
        type: "add",
        item: { id: tempId, title: checked.title, done: false, created_at: now, updated_at: now, pending: true },
      });
      api.createTodo(checked.title).then(
        (todo) => {
          dispatch({ type: "add-confirmed", tempId, todo });
        },
        (err: unknown) => {
          if (err instanceof TodoLimitError) {
            dispatch({ type: "add-refused-limit", tempId, message: err.message });
            return;
          }
          dispatch({ type: "add-failed", tempId, title: checked.title, error: fail(err) });
        },
      );
      return null;
    },
    [api, fail],
  );

  const update = useCallback(
    (id: string, attempted: TodoPatch) => {
      const current = stateRef.current.items.find((t) => t.id === id);
      if (!current || isUnsaved(current)) return;
      const previous: TodoPatch = {};
      if (attempted.title !== undefined) previous.title = current.title;
      if (attempted.done !== undefined) previous.done = current.done;
      dispatch({ type: "update", id, patch: attempted });
      api.updateTodo(id, attempted).then(
        (todo) => {
          dispatch({ type: "update-confirmed", todo });
        },
        (err: unknown) => {
          dispatch({ type: "update-failed", id, previous, attempted, error: fail(err) });
        },
      );
    },
    [api, fail],
  );

  const toggle = useCallback(
    (id: string) => {
      const current = stateRef.current.items.find((t) => t.id === id);
      if (current) update(id, { done: !current.done });
    },
    [update],
  );

  const rename = useCallback(
    (id: string, raw: string) => {
      const checked = checkTodoTitle(raw);
      if (!checked.ok) return checked.message;
      const current = stateRef.current.items.find((t) => t.id === id);
      if (current && current.title !== checked.title) update(id, { title: checked.title });
      return null;
    },
    [update],
  );

  const remove = useCallback(
    (id: string) => {
      const index = stateRef.current.items.findIndex((t) => t.id === id);
      const item = stateRef.current.items[index];
      if (!item || isUnsaved(item)) return;
      dispatch({ type: "remove", id });
      api.deleteTodo(id).then(
        () => {
          dispatch({ type: "remove-confirmed", id });
        },
        (err: unknown) => {
          dispatch({ type: "remove-failed", item, index, error: fail(err) });
        },
      );
    },
    [api, fail],
  );

  const dismissError = useCallback(() => {
    dispatch({ type: "dismiss-error" });
  }, []);

  const dismissLimit = useCallback(() => {
    dispatch({ type: "dismiss-limit" });
  }, []);

  const retryFailed = useCallback(() => {
    const failed = stateRef.current.failed;
    if (!failed) return;
    switch (failed.kind) {
      case "add":
        add(failed.title);
        return;
      case "update":
        update(failed.id, failed.patch);
        return;
      case "remove":
        remove(failed.id);
        return;
    }
  }, [add, update, remove]);

  // Until the first page is in, a load that failed for good is the list's state.
  const view: TodosState =
    state.status !== "ready" && first.status === "failed" && !first.waiting
      ? { ...state, status: "failed", error: describeError(first.error) }
      : state;

  return { state: view, add, toggle, rename, remove, loadMore, reload, retryFailed, dismissError, dismissLimit };
}
