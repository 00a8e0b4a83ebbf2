import { describe, expect, it } from "vitest";
import { answering, jsonResponse } from "./test/fetch";
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

function clientAnswering(...responses: (Response | Error | DOMException)[]) {
  const { fetch, calls } = answering(...responses);
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
    expect(calls[0]).toMatchObject({ url: "http://localhost:5001/api/me", method: "GET", credentials: "include", body: null });
    expect(calls[0]?.headers.get("Content-Type")).toBeNull();
  });

  it("passes a session without email through as the contract describes it", async () => {
    const { api } = clientAnswering(jsonResponse(200, { ...me, email: null, roles: [] }));
    const result = await api.me();
    expect(result.email).toBeNull();
    expect(result.roles).toEqual([]);
  });

  it("posts JSON with Content-Type when creating a todo and returns the unwrapped todo", async () => {
    const { api, calls } = clientAnswering(jsonResponse(201, todo));
    await expect(api.createTodo("Buy milk")).resolves.toEqual(todo);
    expect(calls[0]).toMatchObject({ url: "http://localhost:5001/api/todos", method: "POST", credentials: "include" });
    expect(calls[0]?.headers.get("Content-Type")).toBe("application/json");
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({ title: "Buy milk" });
  });

  it("patches only the given fields and escapes the id", async () => {
    const { api, calls } = clientAnswering(jsonResponse(200, { ...todo, done: true }));
    await api.updateTodo("a/b", { done: true });
    expect(calls[0]).toMatchObject({ url: "http://localhost:5001/api/todos/a%2Fb", method: "PATCH" });
    expect(JSON.parse(calls[0]?.body ?? "")).toEqual({ done: true });
  });

  it("accepts 204 with no body for DELETE", async () => {
    const { api, calls } = clientAnswering(new Response(null, { status: 204 }));
    await expect(api.deleteTodo(todo.id)).resolves.toBeUndefined();
    expect(calls[0]).toMatchObject({ method: "DELETE", credentials: "include" });
  });

  it("unwraps a todo page; the last one has no next_cursor", async () => {
    const { api, calls } = clientAnswering(
      jsonResponse(200, { todos: [todo], next_cursor: "AQAGYZh-3LKp62ofROFzRCiJEBotZ7GuYA" }),
      jsonResponse(200, { todos: [todo] }),
    );
    await expect(api.listTodos()).resolves.toEqual({ todos: [todo], nextCursor: "AQAGYZh-3LKp62ofROFzRCiJEBotZ7GuYA" });
    expect(calls[0]?.url).toBe("http://localhost:5001/api/todos");
    await expect(api.listTodos()).resolves.toEqual({ todos: [todo], nextCursor: null });
  });

  it("sends limit and cursor as query parameters", async () => {
    const { api, calls } = clientAnswering(jsonResponse(200, { todos: [] }), jsonResponse(200, { todos: [] }));
    await api.listTodos({ limit: 50, cursor: "AQAG_Zh-3L" });
    expect(calls[0]?.url).toBe("http://localhost:5001/api/todos?limit=50&cursor=AQAG_Zh-3L");
    await api.listTodos({ cursor: "a+b/c=" }); // whatever it is, it arrives unchanged
    expect(new URL(calls[1]?.url ?? "").searchParams.get("cursor")).toBe("a+b/c=");
    expect(calls[1]?.credentials).toBe("include");
  });

});

describe("createApiClient in Bearer mode", () => {
  it("sends the session token as Authorization: Bearer and no cookies", async () => {
    const { fetch, calls } = answering(jsonResponse(200, me));
    const api = createApiClient({ baseUrl: "http://api.test", fetch, bearerToken: () => Promise.resolve("the.jwt") });
    await api.me();
    expect(calls[0]?.headers.get("Authorization")).toBe("Bearer the.jwt");
    expect(calls[0]?.credentials).toBe("omit");
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
