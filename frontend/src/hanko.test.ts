import { afterEach, describe, expect, it, vi } from "vitest";
import { describeHankoError, probeHanko } from "./hanko";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("probeHanko", () => {
  it("is quiet when Hanko serves its keys", async () => {
    const fetch = vi.fn(() => Promise.resolve(new Response('{"keys":[]}', { status: 200 })));
    vi.stubGlobal("fetch", fetch);
    await expect(probeHanko("http://hanko.test")).resolves.toBeNull();
    expect(fetch).toHaveBeenCalledWith("http://hanko.test/.well-known/jwks.json", expect.objectContaining({ credentials: "omit" }));
  });

  it("names the URL and this origin when Hanko cannot be reached", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.reject(new TypeError("Failed to fetch"))));
    const problem = await probeHanko("http://hanko.test");
    expect(problem).toContain("Hanko at http://hanko.test could not be reached");
    expect(problem).toContain(window.location.origin);
    expect(problem).toContain("cors.allow_origins");
  });

  it("reports an error status", async () => {
    vi.stubGlobal("fetch", vi.fn(() => Promise.resolve(new Response("", { status: 502 }))));
    await expect(probeHanko("http://hanko.test")).resolves.toContain("answered 502");
  });
});

describe("describeHankoError", () => {
  it("explains SDK errors by their code", () => {
    const technical = Object.assign(new Error("Technical error"), { code: "somethingWentWrong" });
    expect(describeHankoError(technical)).toMatch(/could not be reached/);
    const tooMany = Object.assign(new Error("Too many requests error"), { code: "tooManyRequests" });
    expect(describeHankoError(tooMany)).toBe("Too many attempts. Wait a moment, then try again.");
  });

  it("uses the message of flow errors and plain errors", () => {
    expect(describeHankoError({ code: "operation_not_permitted_error", message: "Not allowed." })).toBe("Not allowed.");
    expect(describeHankoError(new Error("boom"))).toBe("boom");
  });
});
