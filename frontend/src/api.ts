import createClient, { type Client } from "openapi-fetch";
import type { components, paths } from "./generated/openapi";

/**
 * The one module that talks to this project's Gin backend, through the client generated from
 * the API contract (openapi.json; `npm run gen:api`).
 *
 * Every request carries the browser's cookies (`credentials: "include"`), so the `hanko`
 * session cookie that Hanko (or hanko-elements) set for `localhost` reaches the backend even
 * though it listens on another port. Error responses are always JSON
 * `{"error": "<code>", "message": "<sentence>"}`; they become typed errors below so callers can
 * tell "sign in again" (401) from "Hanko is down" (503) without looking at status codes.
 */

/** The API contract's schemas (openapi.json), as TypeScript types. */
export type Schemas = components["schemas"];
export type EmailClaim = Schemas["Email"];
/** `GET /api/me`: the signed-in user's session, as the backend verified it. */
export type Me = Schemas["Me"];
export type ProtectedAnswer = Schemas["Message"];
export type PublicAnswer = Schemas["Message"];
export type Todo = Schemas["Todo"];
export type TodoPatch = Schemas["TodoPatch"];

/** One page of `GET /api/todos`, newest first. */
export interface TodoPage {
  todos: Todo[];
  /** Where the next page starts (pass it back as `cursor`); null on the last page. */
  nextCursor: string | null;
}

export interface ListTodosOptions {
  /** 1 to 200; the backend's default is 50. */
  limit?: number;
  /** The `nextCursor` of the page before; leave it out for the first page. */
  cursor?: string;
  signal?: AbortSignal;
}

/** Titles are 1–200 characters after trimming, as the backend enforces. */
export const TODO_TITLE_MAX = 200;

/** Returns the trimmed title, or a sentence saying what is wrong with it. */
export function checkTodoTitle(raw: string): { ok: true; title: string } | { ok: false; message: string } {
  const title = raw.trim();
  if (title.length === 0) return { ok: false, message: "Give the todo a title." };
  if (Array.from(title).length > TODO_TITLE_MAX) {
    return { ok: false, message: `Titles can be at most ${TODO_TITLE_MAX} characters.` };
  }
  return { ok: true, title };
}

/** Any non-2xx answer from the backend. */
export class ApiError extends Error {
  readonly status: number;
  /** The backend's machine-readable code, e.g. `invalid_token`, `auth_unavailable`, `not_ready`. */
  readonly code: string;
  /** The answer's `Retry-After`, in seconds, when it had one. */
  readonly retryAfter: number | null;

  constructor(status: number, code: string, message: string, retryAfter: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

/** 401: no session, or the session token is invalid/expired. The user must sign in (again). */
export class UnauthorizedError extends ApiError {
  constructor(code: string, message: string) {
    super(401, code, message);
    this.name = "UnauthorizedError";
  }
}

/**
 * 503: the backend cannot answer right now, and says why in `code`: `auth_unavailable` (it cannot
 * judge the session: Hanko's keys or session check unreachable, or too busy), `admin_unavailable`
 * (Hanko's admin API), `not_ready` (still starting). Trying again later helps; `retryAfter` says when.
 */
export class UnavailableError extends ApiError {
  constructor(code: string, message: string, retryAfter: number | null = null) {
    super(503, code, message, retryAfter);
    this.name = "UnavailableError";
  }
}

/** 400: the request was refused as invalid; `message` says what is wrong. */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string) {
    super(400, code, message);
    this.name = "BadRequestError";
  }
}

/** 404: the thing does not exist (or belongs to someone else). */
export class NotFoundError extends ApiError {
  constructor(code: string, message: string) {
    super(404, code, message);
    this.name = "NotFoundError";
  }
}

/**
 * 409 `todo_limit_reached`: the user already has as many todos as the backend allows
 * (`TODOS_MAX_PER_USER`); `message` names the limit. Nothing was stored.
 */
export class TodoLimitError extends ApiError {
  constructor(message: string) {
    super(409, "todo_limit_reached", message);
    this.name = "TodoLimitError";
  }
}

/**
 * The request never produced an HTTP answer the page may read: the backend is down, the URL is
 * wrong, the connection dropped, or the browser blocked the response because CORS does not allow
 * this origin. The message is for end users; `hint` is for the developer (shown in development
 * builds only).
 */
export class NetworkError extends Error {
  readonly url: string;
  readonly hint: string;

  constructor(url: string, cause: unknown) {
    super("The server cannot be reached. Check your connection.", { cause });
    this.name = "NetworkError";
    this.url = url;
    this.hint = `Could not reach the backend at ${url}. Is it running, and does its CORS_ALLOWED_ORIGINS include ${currentOrigin()}?`;
  }
}

function currentOrigin(): string {
  return typeof window === "undefined" ? "this page's origin" : window.location.origin;
}

/** `Retry-After` as seconds: a number of seconds or an HTTP date; null when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null || value.trim() === "") return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Whether trying the same request again later can help: the server was busy or unreachable. */
export function isTransient(err: unknown): boolean {
  if (err instanceof NetworkError) return true;
  return err instanceof ApiError && (err.status === 503 || err.status === 502 || err.status === 504);
}

/** The longest the app waits before trying again by itself, whatever `Retry-After` asks. */
export const MAX_RETRY_DELAY_MS = 10_000;
/** The wait when the server gave no `Retry-After` (or could not be reached). */
export const DEFAULT_RETRY_DELAY_MS = 3_000;

/** How long to wait before retrying after `err`: its `Retry-After`, capped at 10 s. */
export function retryDelayMs(err: unknown): number {
  const seconds = err instanceof ApiError ? err.retryAfter : null;
  const ms = seconds === null ? DEFAULT_RETRY_DELAY_MS : Math.max(seconds * 1000, 500);
  return Math.min(ms, MAX_RETRY_DELAY_MS);
}

/** The typed HTTP client generated from the contract: `http.GET("/api/me", …)` and so on. */
export type HttpClient = Client<paths>;

export interface ApiClient {
  readonly baseUrl: string;
  /** For calls the methods below do not cover (a feature's routes, your own): pass its result to `unwrap`. */
  readonly http: HttpClient;
  me(signal?: AbortSignal): Promise<Me>;
  protectedMessage(signal?: AbortSignal): Promise<ProtectedAnswer>;
  publicMessage(signal?: AbortSignal): Promise<PublicAnswer>;
  listTodos(options?: ListTodosOptions): Promise<TodoPage>;
  createTodo(title: string): Promise<Todo>;
  updateTodo(id: string, patch: TodoPatch): Promise<Todo>;
  deleteTodo(id: string): Promise<void>;
}

export interface ApiClientOptions {
  baseUrl: string;
  /** Injected in tests; defaults to the browser's fetch. */
  fetch?: (request: Request) => Promise<Response>;
  /**
   * Bearer mode: the session token to send as `Authorization: Bearer …` (null when there is
   * none), and no cookies. Without it, requests carry the browser's cookies (the Hanko cookie).
   */
  bearerToken?: () => Promise<string | null>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The typed error for a non-2xx answer, from its status, headers and (parsed) body. */
export function errorFrom(res: Response, body: unknown): ApiError {
  let code = `http_${res.status}`;
  let message = `The backend answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""}.`;
  if (isObject(body)) {
    if (typeof body.error === "string" && body.error) code = body.error;
    if (typeof body.message === "string" && body.message) message = body.message;
  }
  const retryAfter = parseRetryAfter(res.headers.get("Retry-After"));
  switch (res.status) {
    case 401:
      return new UnauthorizedError(code, message);
    case 503:
      return new UnavailableError(code, message, retryAfter);
    case 400:
      return new BadRequestError(code, message);
    case 404:
      return new NotFoundError(code, message);
    case 409:
      return code === "todo_limit_reached" ? new TodoLimitError(message) : new ApiError(409, code, message);
    default:
      return new ApiError(res.status, code, message, retryAfter);
  }
}

function isAbortError(err: unknown): boolean {
  return typeof err === "object" && err !== null && "name" in err && err.name === "AbortError";
}

/**
 * The answer's data, or the typed error (UnauthorizedError, UnavailableError, …) for a non-2xx
 * answer: `await unwrap(api.http.GET("/api/me"))`.
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if (err instanceof SyntaxError) {
      throw new ApiError(200, "invalid_response", "The backend sent a response that is not JSON.");
    }
    throw err;
  }
  if (!result.response.ok) throw errorFrom(result.response, result.error);
  return result.data as T;
}

/** The generated client over this app's transport: cookies or Bearer, and NetworkError for no answer. */
export function createHttpClient(options: ApiClientOptions): HttpClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const http = createClient<paths>({
    baseUrl,
    credentials: options.bearerToken ? "omit" : "include",
    headers: { Accept: "application/json" },
    fetch: async (request: Request) => {
      try {
        return await doFetch(request);
      } catch (err) {
        if (request.signal.aborted || isAbortError(err)) throw err;
        throw new NetworkError(request.url, err);
      }
    },
  });
  const bearerToken = options.bearerToken;
  if (bearerToken) {
    http.use({
      async onRequest({ request }) {
        const token = await bearerToken();
        if (token) request.headers.set("Authorization", `Bearer ${token}`);
        return request;
      },
    });
  }
  return http;
}

export function createApiClient(options: ApiClientOptions): ApiClient {
  const baseUrl = options.baseUrl.replace(/\/+$/, "");
  const http = createHttpClient(options);

  return {
    baseUrl,
    http,
    me(signal) {
      return unwrap(http.GET("/api/me", { signal }));
    },
    protectedMessage(signal) {
      return unwrap(http.GET("/api/protected", { signal }));
    },
    publicMessage(signal) {
      return unwrap(http.GET("/api/public", { signal }));
    },
    async listTodos({ limit, cursor, signal } = {}) {
      const body = await unwrap(http.GET("/api/todos", { params: { query: { limit, cursor } }, signal }));
      // The last page has no next_cursor.
      return { todos: body.todos, nextCursor: body.next_cursor ?? null };
    },
    createTodo(title) {
      return unwrap(http.POST("/api/todos", { body: { title } }));
    },
    updateTodo(id, patch) {
      return unwrap(http.PATCH("/api/todos/{id}", { params: { path: { id } }, body: patch }));
    },
    async deleteTodo(id) {
      await unwrap(http.DELETE("/api/todos/{id}", { params: { path: { id } } }));
    },
  };
}

/** Plain words for the user, whatever was thrown; development builds add what to check. */
export function describeError(err: unknown): string {
  if (err instanceof NetworkError) return import.meta.env.DEV ? `${err.message} (${err.hint})` : err.message;
  if (err instanceof ApiError) {
    switch (err.code) {
      case "auth_unavailable":
        return "The server is busy and could not check your sign-in just now.";
      case "not_ready":
        return "The server is starting up.";
      case "admin_unavailable":
        return "The user directory is not available right now. Try again in a moment.";
    }
    if (isTransient(err)) return "The server is busy right now.";
    if (err.code === "invalid_response" || err.status >= 500) {
      return import.meta.env.DEV ? `Something went wrong on the server (${err.message})` : "Something went wrong on the server. Try again.";
    }
    return err.message;
  }
  if (err instanceof Error) return import.meta.env.DEV ? err.message : "Something went wrong. Try again.";
  return String(err);
}
