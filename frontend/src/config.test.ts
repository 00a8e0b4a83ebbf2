import { describe, expect, it } from "vitest";
import { readConfig } from "./config";

describe("readConfig", () => {
  it("takes the runtime settings (/config.js) over the build's, and defaults the rest", () => {
    const c = readConfig({ apiUrl: "https://api.example.test/", hankoApiUrl: "https://hanko.example.test" }, { VITE_API_URL: "http://localhost:5001" });
    expect(c).toEqual({
      apiUrl: "https://api.example.test",
      hankoApiUrl: "https://hanko.example.test",
      authTransport: "cookie",
      hankoCookieName: "hanko",
      problems: [],
    });
  });

  it("falls back to the build's settings where the runtime leaves them empty", () => {
    const c = readConfig({ apiUrl: "", hankoApiUrl: "" }, { VITE_HANKO_API_URL: "http://localhost:8000", VITE_AUTH_TRANSPORT: "bearer", VITE_HANKO_COOKIE_NAME: "my_session" });
    expect(c).toMatchObject({ apiUrl: "http://localhost:5001", hankoApiUrl: "http://localhost:8000", authTransport: "bearer", hankoCookieName: "my_session", problems: [] });
  });

  it("names every problem at once", () => {
    const c = readConfig({ apiUrl: "ftp://x", authTransport: "header", hankoCookieName: "a b" }, {});
    expect(c.problems).toHaveLength(4);
  });
});
