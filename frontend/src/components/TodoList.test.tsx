import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { TodoLimitError, type ApiClient, type Me, type Todo, type TodoPage } from "../api";
import { ApiContext, SessionContext } from "../session-context";
import { fakeApi } from "../test/fakeApi";
import { TodoList } from "./TodoList";

afterEach(cleanup);

const me: Me = {
  user_id: "11111111-1111-4111-8111-111111111111",
  session_id: "22222222-2222-4222-8222-222222222222",
  email: { address: "alice@example.test", is_primary: true, is_verified: true },
  audience: ["localhost"],
  roles: [],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
};

function todo(id: string, title: string, done = false): Todo {
  return { id, title, done, created_at: "2026-11-22T05:10:16Z", updated_at: "2026-11-22T05:10:16Z" };
}

function pagedApi(pages: TodoPage[]): ApiClient {
  const unused = () => Promise.reject(new Error("not used in this test"));
  return fakeApi({
    listTodos: vi.fn((options?: { cursor?: string }) => {
      const page = pages[options?.cursor === undefined ? 0 : Number(options.cursor)];
      return page ? Promise.resolve(page) : Promise.reject(new Error(`no page for cursor ${options?.cursor}`));
    }),
    createTodo: vi.fn(unused),
    deleteTodo: vi.fn(() => Promise.resolve()),
  });
}

function renderList(api: ApiClient) {
  return render(
    <ApiContext.Provider value={api}>
      <SessionContext.Provider value={{ me, refresh: () => undefined, handleAuthError: () => false }}>
        <TodoList />
      </SessionContext.Provider>
    </ApiContext.Provider>,
  );
}

function titles(): string[] {
  return within(screen.getByRole("list", { name: "Todos" }))
    .queryAllByTestId("todo-title")
    .map((el) => el.textContent);
}

describe("TodoList", () => {
  it("loads the next page with Load more until the last one", async () => {
    const api = pagedApi([
      { todos: [todo("d", "Four"), todo("c", "Three")], nextCursor: "1" },
      { todos: [todo("b", "Two", true)], nextCursor: "2" },
      { todos: [todo("a", "One")], nextCursor: null },
    ]);
    renderList(api);
    await screen.findByText("Four");
    expect(titles()).toEqual(["Four", "Three"]);
    expect(screen.getByText("2 open · 0 done · more to load")).toBeTruthy();

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("Two");
    expect(titles()).toEqual(["Four", "Three", "Two"]);

    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("One");
    expect(titles()).toEqual(["Four", "Three", "Two", "One"]);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
    expect(screen.getByText("3 open · 1 done")).toBeTruthy();
    expect(vi.mocked(api.listTodos).mock.calls.map((c) => c[0]?.cursor)).toEqual([undefined, "1", "2"]);
  });

  it("shows Load more, not 'No todos yet', when the loaded todos are all deleted but more exist", async () => {
    const api = pagedApi([{ todos: [todo("b", "Two")], nextCursor: "1" }, { todos: [todo("a", "One")], nextCursor: null }]);
    renderList(api);
    await screen.findByText("Two");
    fireEvent.click(screen.getByRole("button", { name: 'Delete "Two"' }));
    await waitFor(() => {
      expect(titles()).toEqual([]);
    });
    expect(screen.queryByText("No todos yet.")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    await screen.findByText("One");
  });

  it("says plainly when the limit is reached and takes the new todo back", async () => {
    const api = pagedApi([{ todos: [todo("a", "One")], nextCursor: null }]);
    let refuse!: (err: unknown) => void;
    vi.mocked(api.createTodo).mockReturnValueOnce(
      new Promise<Todo>((_, reject) => {
        refuse = reject;
      }),
    );
    renderList(api);
    await screen.findByText("One");
    fireEvent.change(screen.getByPlaceholderText("What needs doing?"), { target: { value: "One too many" } });
    fireEvent.click(screen.getByRole("button", { name: "Add" }));
    expect(titles()).toEqual(["One too many", "One"]);

    act(() => {
      refuse(new TodoLimitError("You have reached the limit of 1 todos. Delete one to add another."));
    });
    await waitFor(() => {
      expect(titles()).toEqual(["One"]);
    });
    const notice = screen.getByTestId("todo-limit");
    expect(notice.getAttribute("role")).toBe("alert");
    expect(notice.textContent).toContain("Todo limit reached.");
    expect(notice.textContent).toContain("You have reached the limit of 1 todos. Delete one to add another.");

    fireEvent.click(screen.getByRole("button", { name: 'Delete "One"' }));
    await waitFor(() => {
      expect(screen.queryByTestId("todo-limit")).toBeNull();
    });
  });
});
