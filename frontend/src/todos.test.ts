import { act, cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  BadRequestError,
  NotFoundError,
  TodoLimitError,
  UnauthorizedError,
  UnavailableError,
  type ApiClient,
  type Todo,
  type TodoPage,
} from "./api";
import { fakeApi } from "./test/fakeApi";
import { TODO_PAGE_SIZE, initialTodosState, isUnsaved, todosReducer, useTodos } from "./todos";

afterEach(cleanup);

function todo(id: string, title: string, done = false): Todo {
  return { id, title, done, created_at: "2026-11-22T05:10:16Z", updated_at: "2026-11-22T05:10:16Z" };
}

/** A promise the test resolves or rejects when it wants. */
function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function todosApi(initial: Todo[]) {
  const pending = {
    create: deferred<Todo>(),
    update: deferred<Todo>(),
    remove: deferred<undefined>(),
  };
  const api = fakeApi({
    listTodos: vi.fn(() => Promise.resolve<TodoPage>({ todos: initial, nextCursor: null })),
    createTodo: vi.fn(() => pending.create.promise),
    updateTodo: vi.fn(() => pending.update.promise),
    deleteTodo: vi.fn(() => pending.remove.promise.then(() => undefined)),
  });
  return { api, pending };
}

async function loaded(api: ApiClient, onError?: (err: unknown) => boolean) {
  const hook = renderHook(() => useTodos(api, onError));
  await waitFor(() => {
    expect(hook.result.current.state.status).toBe("ready");
  });
  return hook;
}

describe("useTodos optimistic updates", () => {
  it("shows an added todo at once and swaps in the stored one", async () => {
    const { api, pending } = todosApi([todo("a", "Existing")]);
    const { result } = await loaded(api);

    let problem: string | null = "unset";
    act(() => {
      problem = result.current.add("  New one  ");
    });
    expect(problem).toBeNull();
    expect(api.createTodo).toHaveBeenCalledWith("New one");
    const first = result.current.state.items[0];
    expect(first?.title).toBe("New one");
    expect(first?.pending).toBe(true);
    expect(first && isUnsaved(first)).toBe(true);

    await act(async () => {
      pending.create.resolve(todo("b", "New one"));
      await pending.create.promise;
    });
    expect(result.current.state.items.map((t) => [t.id, t.pending])).toEqual([
      ["b", false],
      ["a", false],
    ]);
  });

  it("removes a failed add again and shows the backend's message", async () => {
    const { api, pending } = todosApi([todo("a", "Existing")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.add("Doomed");
    });
    expect(result.current.state.items).toHaveLength(2);
    await act(async () => {
      pending.create.reject(new BadRequestError("bad_request", "title: too long"));
      await pending.create.promise.catch(() => undefined);
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a"]);
    expect(result.current.state.error).toBe("title: too long");
  });

  it("refuses an invalid title without calling the backend", async () => {
    const { api } = todosApi([]);
    const { result } = await loaded(api);
    let problem: string | null = null;
    act(() => {
      problem = result.current.add("   ");
    });
    expect(problem).toMatch(/title/);
    expect(api.createTodo).not.toHaveBeenCalled();
    expect(result.current.state.items).toHaveLength(0);
  });

  it("rolls a failed toggle back", async () => {
    const { api, pending } = todosApi([todo("a", "Walk", false)]);
    const { result } = await loaded(api);
    act(() => {
      result.current.toggle("a");
    });
    expect(api.updateTodo).toHaveBeenCalledWith("a", { done: true });
    expect(result.current.state.items[0]?.done).toBe(true);
    await act(async () => {
      pending.update.reject(new NotFoundError("not_found", "todo not found"));
      await pending.update.promise.catch(() => undefined);
    });
    expect(result.current.state.items[0]).toMatchObject({ done: false, pending: false });
    expect(result.current.state.error).toBe("todo not found");
  });

  it("rolls a failed rename back and keeps the server's answer on success", async () => {
    const { api, pending } = todosApi([todo("a", "Old")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.rename("a", " New ");
    });
    expect(api.updateTodo).toHaveBeenCalledWith("a", { title: "New" });
    expect(result.current.state.items[0]?.title).toBe("New");
    await act(async () => {
      pending.update.reject(new Error("network down"));
      await pending.update.promise.catch(() => undefined);
    });
    expect(result.current.state.items[0]?.title).toBe("Old");
    expect(result.current.state.error).toBe("network down");
  });

  it("sends a failed change again on Retry", async () => {
    const { api, pending } = todosApi([todo("a", "One")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.toggle("a");
    });
    await act(async () => {
      pending.update.reject(new UnavailableError("auth_unavailable", "busy"));
      await pending.update.promise.catch(() => undefined);
    });
    expect(result.current.state.items[0]?.done).toBe(false);
    expect(result.current.state.failed).toEqual({ kind: "update", id: "a", patch: { done: true } });
    vi.mocked(api.updateTodo).mockResolvedValueOnce(todo("a", "One", true));
    act(() => {
      result.current.retryFailed();
    });
    expect(result.current.state.error).toBeNull();
    await waitFor(() => {
      expect(result.current.state.items[0]).toMatchObject({ done: true, pending: false });
    });
    expect(api.updateTodo).toHaveBeenLastCalledWith("a", { done: true });
  });

  it("puts a todo whose delete failed back where it was", async () => {
    const { api, pending } = todosApi([todo("a", "One"), todo("b", "Two"), todo("c", "Three")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.remove("b");
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a", "c"]);
    await act(async () => {
      pending.remove.reject(new Error("server error"));
      await pending.remove.promise.catch(() => undefined);
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a", "b", "c"]);
    expect(result.current.state.error).toBe("server error");
  });

  it("hands a 401 to onError (the guard sends the user to login)", async () => {
    const { api, pending } = todosApi([todo("a", "One")]);
    const onError = vi.fn(() => true);
    const { result } = await loaded(api, onError);
    act(() => {
      result.current.toggle("a");
    });
    const err = new UnauthorizedError("invalid_token", "token expired");
    await act(async () => {
      pending.update.reject(err);
      await pending.update.promise.catch(() => undefined);
    });
    expect(onError).toHaveBeenCalledWith(err);
  });

  it("reports a failed load and reloads on request", async () => {
    const { api } = todosApi([todo("a", "One")]);
    vi.mocked(api.listTodos).mockRejectedValueOnce(new Error("backend down"));
    const { result } = renderHook(() => useTodos(api));
    await waitFor(() => {
      expect(result.current.state.status).toBe("failed");
    });
    expect(result.current.state.error).toBe("backend down");
    act(() => {
      result.current.reload();
    });
    await waitFor(() => {
      expect(result.current.state.status).toBe("ready");
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a"]);
  });
});

describe("todosReducer", () => {
  it("keeps a newer change when an older one fails", () => {
    let state = todosReducer(initialTodosState, { type: "loaded", page: { todos: [todo("a", "T", false)], nextCursor: null } });
    // First toggle to done, then (before it fails) back to not done.
    state = todosReducer(state, { type: "update", id: "a", patch: { done: true } });
    state = todosReducer(state, { type: "update", id: "a", patch: { done: false } });
    // The first request fails: its rollback must not undo the second change.
    state = todosReducer(state, {
      type: "update-failed",
      id: "a",
      previous: { done: false },
      attempted: { done: true },
      error: "x",
    });
    expect(state.items[0]?.done).toBe(false);

    state = todosReducer(state, { type: "update", id: "a", patch: { title: "Newer" } });
    state = todosReducer(state, {
      type: "update-failed",
      id: "a",
      previous: { title: "T" },
      attempted: { title: "Older attempt" },
      error: "x",
    });
    expect(state.items[0]?.title).toBe("Newer");
  });

  it("does not duplicate a todo when a failed delete is rolled back twice", () => {
    let state = todosReducer(initialTodosState, { type: "loaded", page: { todos: [todo("a", "A")], nextCursor: null } });
    const item = state.items[0];
    if (!item) throw new Error("no item");
    state = todosReducer(state, { type: "remove", id: "a" });
    state = todosReducer(state, { type: "remove-failed", item, index: 0, error: "x" });
    state = todosReducer(state, { type: "remove-failed", item, index: 0, error: "x" });
    expect(state.items).toHaveLength(1);
  });
});

describe("useTodos paging", () => {
  it("asks for the first page, appends the next one on loadMore, and stops at the last", async () => {
    const { api } = todosApi([]);
    const more = deferred<TodoPage>();
    vi.mocked(api.listTodos)
      .mockResolvedValueOnce({ todos: [todo("c", "Newest"), todo("b", "Middle")], nextCursor: "cursor-1" })
      .mockReturnValueOnce(more.promise);
    const { result } = await loaded(api);
    const first = vi.mocked(api.listTodos).mock.calls[0]?.[0];
    expect(first?.limit).toBe(TODO_PAGE_SIZE);
    expect(first?.cursor).toBeUndefined();
    expect(result.current.state.nextCursor).toBe("cursor-1");

    act(() => {
      result.current.loadMore();
      result.current.loadMore(); // a second click while the page is on its way does nothing
    });
    expect(api.listTodos).toHaveBeenCalledTimes(2);
    expect(api.listTodos).toHaveBeenLastCalledWith(expect.objectContaining({ limit: TODO_PAGE_SIZE, cursor: "cursor-1" }));
    expect(result.current.state.loadingMore).toBe(true);

    await act(async () => {
      more.resolve({ todos: [todo("b", "Middle"), todo("a", "Oldest")], nextCursor: null });
      await more.promise;
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["c", "b", "a"]);
    expect(result.current.state).toMatchObject({ nextCursor: null, loadingMore: false, error: null });

    act(() => {
      result.current.loadMore(); // nothing left
    });
    expect(api.listTodos).toHaveBeenCalledTimes(2);
  });

  it("keeps the list and the cursor when a page fails, so the user can try again", async () => {
    const { api } = todosApi([]);
    vi.mocked(api.listTodos)
      .mockResolvedValueOnce({ todos: [todo("b", "B")], nextCursor: "cursor-1" })
      .mockRejectedValueOnce(new Error("backend down"))
      .mockResolvedValueOnce({ todos: [todo("a", "A")], nextCursor: null });
    const { result } = await loaded(api);
    act(() => {
      result.current.loadMore();
    });
    await waitFor(() => {
      expect(result.current.state.error).toBe("backend down");
    });
    expect(result.current.state).toMatchObject({ status: "ready", nextCursor: "cursor-1", loadingMore: false });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["b"]);

    act(() => {
      result.current.loadMore();
    });
    expect(result.current.state.error).toBeNull();
    await waitFor(() => {
      expect(result.current.state.items.map((t) => t.id)).toEqual(["b", "a"]);
    });
  });

  it("drops a page that arrives after the list was reloaded", async () => {
    const { api } = todosApi([]);
    const more = deferred<TodoPage>();
    vi.mocked(api.listTodos)
      .mockResolvedValueOnce({ todos: [todo("b", "B")], nextCursor: "cursor-1" })
      .mockReturnValueOnce(more.promise)
      .mockResolvedValueOnce({ todos: [todo("z", "Z")], nextCursor: "cursor-2" });
    const { result } = await loaded(api);
    act(() => {
      result.current.loadMore();
    });
    const signal = vi.mocked(api.listTodos).mock.calls[1]?.[0]?.signal;
    act(() => {
      result.current.reload();
    });
    await waitFor(() => {
      expect(result.current.state.items.map((t) => t.id)).toEqual(["z"]);
    });
    expect(signal?.aborted).toBe(true);
    await act(async () => {
      more.resolve({ todos: [todo("a", "A")], nextCursor: null });
      await more.promise;
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["z"]);
    expect(result.current.state.nextCursor).toBe("cursor-2");
  });
});

describe("useTodos at the limit", () => {
  const limitMessage = "You have reached the limit of 9 todos. Delete one to add another.";

  it("rolls back a create refused at the limit and says so until a delete succeeds", async () => {
    const { api, pending } = todosApi([todo("a", "One"), todo("b", "Two")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.add("Tenth");
    });
    expect(result.current.state.items.map((t) => t.title)).toEqual(["Tenth", "One", "Two"]);
    await act(async () => {
      pending.create.reject(new TodoLimitError(limitMessage));
      await pending.create.promise.catch(() => undefined);
    });
    expect(result.current.state.items.map((t) => t.id)).toEqual(["a", "b"]);
    expect(result.current.state.limitReached).toBe(limitMessage);
    expect(result.current.state.error).toBeNull();

    act(() => {
      result.current.remove("a");
    });
    expect(result.current.state.limitReached).toBe(limitMessage); // not until the backend confirms
    await act(async () => {
      pending.remove.resolve(undefined);
      await pending.remove.promise;
    });
    expect(result.current.state.limitReached).toBeNull();
  });

  it("keeps the limit notice when a delete fails, and dismisses it on request", async () => {
    const { api, pending } = todosApi([todo("a", "One")]);
    const { result } = await loaded(api);
    act(() => {
      result.current.add("Over");
    });
    await act(async () => {
      pending.create.reject(new TodoLimitError(limitMessage));
      await pending.create.promise.catch(() => undefined);
    });
    act(() => {
      result.current.remove("a");
    });
    await act(async () => {
      pending.remove.reject(new Error("server error"));
      await pending.remove.promise.catch(() => undefined);
    });
    expect(result.current.state).toMatchObject({ limitReached: limitMessage, error: "server error" });
    act(() => {
      result.current.dismissError();
    });
    expect(result.current.state).toMatchObject({ limitReached: limitMessage, error: null });
    act(() => {
      result.current.dismissLimit();
    });
    expect(result.current.state.limitReached).toBeNull();
  });
});
