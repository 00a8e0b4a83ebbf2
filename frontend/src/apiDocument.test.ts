import { describe, expect, it, vi } from "vitest";
import bundled from "../openapi.json";
import { loadApiDocument } from "./apiDocument";

const live = { openapi: "3.1.0", info: { title: "running", version: "9" }, paths: {} };

describe("loadApiDocument", () => {
  it("prefers the backend's own document", async () => {
    const fetchFn = vi.fn(() => Promise.resolve(Response.json(live)));
    const got = await loadApiDocument("http://api.test", undefined, fetchFn);
    expect(fetchFn).toHaveBeenCalledWith("http://api.test/openapi.json", expect.objectContaining({ credentials: "omit" }));
    expect(got).toEqual({ spec: live, source: "backend" });
  });

  it.each([
    ["the backend cannot be reached", () => Promise.reject(new TypeError("Failed to fetch"))],
    ["the backend answers an error", () => Promise.resolve(Response.json({ error: "not_ready", message: "Starting." }, { status: 503 }))],
    ["the answer is not an OpenAPI document", () => Promise.resolve(Response.json({ hello: "world" }))],
  ])("falls back to the build's copy when %s", async (_name, fetchFn) => {
    const got = await loadApiDocument("http://api.test", undefined, fetchFn);
    expect(got.source).toBe("bundled");
    expect(got.spec).toEqual(bundled);
  });

  it("gives up, without falling back, when the page is left", async () => {
    const controller = new AbortController();
    controller.abort();
    const fetchFn = vi.fn(() => Promise.reject(new DOMException("aborted", "AbortError")));
    await expect(loadApiDocument("http://api.test", controller.signal, fetchFn)).rejects.toThrow("aborted");
  });
});
