import { describe, expect, it, vi } from "vitest";
import {
  ApiError,
  UnavailableError,
  BadRequestError,
  NetworkError,
  NotFoundError,
  TodoLimitError,
  UnauthorizedError,
  checkTodoTitle,
  createApiClient,
  describeError,
  DEFAULT_RETRY_DELAY_MS,
  MAX_RETRY_DELAY_MS,
  parseRetryAfter,
  retryDelayMs,
} from "./api";

type FetchArgs = [input: RequestInfo | URL, init?: RequestInit];

function jsonResponse(status: number, body: unknown, statusText = ""): Response {
  return new Response(JSON.stringify(body), {
    status,
    statusText,
    headers: { "Content-Type": "application/json" },
  });
}

function clientAnswering(...responses: (Response | Error | DOMException)[]) {
  const calls: FetchArgs[] = [];
  const fetch = vi.fn((...args: FetchArgs) => {
    calls.push(args);
    const next = responses.shift();
    if (!next) throw new Error("unexpected fetch");
    return next instanceof Response ? Promise.resolve(next) : Promise.reject(next);
  });
  const api = createApiClient({ baseUrl: "http://localhost:5001/", fetch });
  return { api, calls };
}

const todo = {
  id: "0b6c1d1e-8a2f-4b8e-9c55-1f7e0f4a8c11",
  title: "Buy milk",
  done: false,
  created_at: "2026-11-22T05:10:16Z",
  updated_at: "2026-11-22T05:10:16Z",
};

const me = {
  user_id: "aea47542-16ce-43be-a987-8ff19b70ffa8",
  session_id: "2397d24a-391a-411b-849d-9015ba99f26a",
  email: { address: "alice@example.test", is_primary: true, is_verified: false },
  audience: ["localhost"],
  issued_at: "2026-11-22T05:10:16Z",
  expires_at: "2026-11-22T17:10:16Z",
  amr: ["pwd"],
};

describe("createApiClient requests", () => {
  it("sends credentials and no body for GET /api/me, trimming the base URL's slash", async () => {
    const { api, calls } = clientAnswering(jsonResponse(200, me));
    await expect(api.me()).resolves.toMatchObject({ user_id: me.user_id, email: me.email });
    const [url, init] = calls[0] ?? [];
    expect(url).toBe("http://localhost:5001/api/me");
    expect(init?.method).toBe("GET");
    expect(init?.credentials).toBe("include");
    expect(init?.body).toBeUndefined();
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBeUndefined();
  });

  it("fills defaults for a session without email", async () => {
    const { user_id, session_id, issued_at, expires_at } = me;
    const { api } = clientAnswering(jsonResponse(200, { user_id, session_id, issued_at, expires_at, email: null }));
    const result = await api.me();
    expect(result.email).toBeNull();
    expect(result.audience).toEqual([]);
  });

  it("posts JSON with Content-Type when creating a todo and returns the unwrapped todo", async () => {
    const { api, calls } = clientAnswering(jsonResponse(201, todo));
    await expect(api.createTodo("Buy milk")).resolves.toEqual(todo);
    const [url, init] = calls[0] ?? [];
    expect(url).toBe("http://localhost:5001/api/todos");
    expect(init?.method).toBe("POST");
    expect(init?.credentials).toBe("include");
    expect((init?.headers as Record<string, string>)["Content-Type"]).toBe("application/json");
    expect(JSON.parse(init?.body as string)).toEqual({ title: "Buy milk" });
  });

  it("patches only the given fields and escapes the id", async () => {
    const { api, calls } = clientAnswering(jsonResponse(200, { ...todo, done: true }));
    await api.updateTodo("a/b", { done: true });
    const [url, init] = calls[0] ?? [];
    expect(url).toBe("http://localhost:5001/api/todos/a%2Fb");
    expect(init?.method).toBe("PATCH");
    expect(JSON.parse(init?.body as string)).toEqual({ done: true });
  });

  it("accepts 204 with no body for DELETE", async () => {
    const { api, calls } = clientAnswering(new Response(null, { status: 204 }));
    await expect(api.deleteTodo(todo.id)).resolves.toBeUndefined();
    expect(calls[0]?.[1]?.method).toBe("DELETE");
    expect(calls[0]?.[1]?.credentials).toBe("include");
  });

  it("unwraps a todo page and rejects a malformed one", async () => {
    const { api, calls } = clientAnswering(
      jsonResponse(200, { todos: [todo], next_cursor: "AQAGYZh-3LKp62ofROFzRCiJEBotZ7GuYA" }),
      jsonResponse(200, { todos: [todo] }),
      jsonResponse(200, { todos: [], next_cursor: null }),
      jsonResponse(200, { items: [] }),
      jsonResponse(200, { todos: [], next_cursor: 42 }),
      jsonResponse(200, { todos: [], next_cursor: "" }),
    );
    await expect(api.listTodos()).resolves.toEqual({ todos: [todo], nextCursor: "AQAGYZh-3LKp62ofROFzRCiJEBotZ7GuYA" });
    expect(calls[0]?.[0]).toBe("http://localhost:5001/api/todos");
    await expect(api.listTodos()).resolves.toEqual({ todos: [todo], nextCursor: null });
    await expect(api.listTodos()).resolves.toEqual({ todos: [], nextCursor: null });
    await expect(api.listTodos()).rejects.toMatchObject({ code: "invalid_response" });
    await expect(api.listTodos()).rejects.toMatchObject({ code: "invalid_response" });
    await expect(api.listTodos()).rejects.toMatchObject({ code: "invalid_response" });
  });

  it("sends limit and cursor as query parameters", async () => {
    const { api, calls } = clientAnswering(jsonResponse(200, { todos: [] }), jsonResponse(200, { todos: [] }));
    await api.listTodos({ limit: 50, cursor: "AQAG_Zh-3L" });
    expect(calls[0]?.[0]).toBe("http://localhost:5001/api/todos?limit=50&cursor=AQAG_Zh-3L");
    await api.listTodos({ cursor: "a+b/c=" }); // whatever it is, it arrives unchanged
    expect(new URL(calls[1]?.[0] as string).searchParams.get("cursor")).toBe("a+b/c=");
    expect(calls[1]?.[1]?.credentials).toBe("include");
  });

  it("rejects a todo without the required fields", async () => {
    const { api } = clientAnswering(jsonResponse(201, { id: "x" }));
    await expect(api.createTodo("x")).rejects.toBeInstanceOf(ApiError);
  });
});

describe("createApiClient in Bearer mode", () => {
  it("sends the session token as Authorization: Bearer and no cookies", async () => {
    const calls: FetchArgs[] = [];
    const fetch = vi.fn((...args: FetchArgs) => {
      calls.push(args);
      return Promise.resolve(jsonResponse(200, me));
    });
    const api = createApiClient({ baseUrl: "http://api.test", fetch, bearerToken: () => Promise.resolve("the.jwt") });
    await api.me();
    const request = new Request(calls[0]?.[0] ?? "", calls[0]?.[1]);
    expect(request.headers.get("Authorization")).toBe("Bearer the.jwt");
    expect(request.credentials).toBe("omit");
  });
});

describe("createApiClient errors", () => {
  it.each([
    [401, "unauthorized", UnauthorizedError],
    [401, "invalid_token", UnauthorizedError],
    [503, "auth_unavailable", UnavailableError],
    [400, "bad_request", BadRequestError],
    [404, "not_found", NotFoundError],
    [409, "todo_limit_reached", TodoLimitError],
  ] as const)("maps %i %s to %s", async (status, code, ErrorClass) => {
    const { api } = clientAnswering(jsonResponse(status, { error: code, message: `the ${code} sentence` }));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ErrorClass);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status, code, message: `the ${code} sentence` });
  });

  it("keeps another 409 a plain ApiError", async () => {
    const { api } = clientAnswering(jsonResponse(409, { error: "conflict", message: "no" }));
    const err = await api.createTodo("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).not.toBeInstanceOf(TodoLimitError);
    expect(err).toMatchObject({ status: 409, code: "conflict" });
  });

  it("keeps other statuses as plain ApiError", async () => {
    const { api } = clientAnswering(jsonResponse(500, { error: "internal", message: "boom" }));
    const err = await api.listTodos().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).not.toBeInstanceOf(UnauthorizedError);
    expect(err).toMatchObject({ status: 500, code: "internal", message: "boom" });
  });

  it("copes with an error body that is not JSON", async () => {
    const { api } = clientAnswering(new Response("<html>Bad Gateway</html>", { status: 502, statusText: "Bad Gateway" }));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 502, code: "http_502", message: "The backend answered 502 Bad Gateway." });
  });

  it("treats a 503 without a JSON body as unavailable, in plain words", async () => {
    const { api } = clientAnswering(new Response("", { status: 503 }));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(describeError(err)).toBe("The server is busy right now.");
  });

  it.each([
    ["auth_unavailable", "The server is busy and could not check your sign-in just now."],
    ["not_ready", "The server is starting up."],
    ["admin_unavailable", "The user directory is not available right now. Try again in a moment."],
  ])("keeps the 503 code %s distinct", async (code, sentence) => {
    const { api } = clientAnswering(jsonResponse(503, { error: code, message: "why" }));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 503, code });
    expect(describeError(err)).toBe(sentence);
  });

  it("reads Retry-After (seconds or a date) and caps the wait at 10 s", async () => {
    const { api } = clientAnswering(
      new Response('{"error":"auth_unavailable","message":"busy"}', { status: 503, headers: { "Retry-After": "2" } }),
      new Response('{"error":"auth_unavailable","message":"busy"}', { status: 503, headers: { "Retry-After": "120" } }),
    );
    const first = await api.me().catch((e: unknown) => e);
    expect(first).toMatchObject({ retryAfter: 2 });
    expect(retryDelayMs(first)).toBe(2000);
    expect(retryDelayMs(await api.me().catch((e: unknown) => e))).toBe(MAX_RETRY_DELAY_MS);
    expect(retryDelayMs(new NetworkError("http://x", null))).toBe(DEFAULT_RETRY_DELAY_MS);
    expect(parseRetryAfter("Wed, 21 Oct 2015 07:28:05 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).toBe(5);
    expect(parseRetryAfter("soon")).toBeNull();
    expect(parseRetryAfter(null)).toBeNull();
  });

  it("turns a failed fetch (down, CORS) into NetworkError: plain words, and the URL and CORS hint for developers", async () => {
    const { api } = clientAnswering(new TypeError("Failed to fetch"));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect((err as NetworkError).message).toBe("The server cannot be reached. Check your connection.");
    expect((err as NetworkError).hint).toContain("http://localhost:5001/api/me");
    expect((err as NetworkError).hint).toContain("CORS_ALLOWED_ORIGINS");
    // Vitest runs as a development build, which adds the hint.
    expect(describeError(err)).toContain("CORS_ALLOWED_ORIGINS");
  });

  it("passes aborts through untouched", async () => {
    const { api } = clientAnswering(new DOMException("aborted", "AbortError"));
    const err = await api.me().catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "AbortError" });
    expect(err).not.toBeInstanceOf(NetworkError);
  });

  it("reports a success body that is not JSON", async () => {
    const { api } = clientAnswering(new Response("ok", { status: 200 }));
    await expect(api.publicMessage()).rejects.toMatchObject({ code: "invalid_response" });
  });
});

describe("checkTodoTitle", () => {
  it("trims and accepts 1–200 characters", () => {
    expect(checkTodoTitle("  hello  ")).toEqual({ ok: true, title: "hello" });
    expect(checkTodoTitle("x".repeat(200))).toMatchObject({ ok: true });
  });

  it("refuses blank and too long titles", () => {
    expect(checkTodoTitle("   ")).toMatchObject({ ok: false });
    expect(checkTodoTitle("x".repeat(201))).toMatchObject({ ok: false });
  });

  it("counts characters, not UTF-16 units", () => {
    expect(checkTodoTitle("😀".repeat(200))).toMatchObject({ ok: true });
    expect(checkTodoTitle("😀".repeat(201))).toMatchObject({ ok: false });
  });
});
