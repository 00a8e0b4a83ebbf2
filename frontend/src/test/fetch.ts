/**
 * A stand-in for `fetch` in unit tests of the HTTP client: answers with the given responses (or
 * throws the given errors) in turn, and records each request in a form easy to assert on.
 */
import { vi } from "vitest";

export interface RecordedRequest {
  url: string;
  method: string;
  credentials: RequestCredentials;
  headers: Headers;
  /** The body as text; null when there is none. */
  body: string | null;
}

export function answering(...responses: (Response | Error | DOMException)[]) {
  const calls: RecordedRequest[] = [];
  const fetch = vi.fn(async (request: Request) => {
    const text = request.body === null ? null : await request.text();
    calls.push({ url: request.url, method: request.method, credentials: request.credentials, headers: request.headers, body: text });
    const next = responses.shift();
    if (!next) throw new Error("unexpected fetch");
    if (next instanceof Response) return next;
    throw next;
  });
  return { fetch, calls };
}

export function jsonResponse(status: number, body: unknown, statusText = ""): Response {
  return new Response(JSON.stringify(body), { status, statusText, headers: { "Content-Type": "application/json" } });
}
