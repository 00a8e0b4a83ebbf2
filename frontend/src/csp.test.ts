import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { contentSecurityPolicy, securityHeaders } from "./csp";

const template = readFileSync(path.resolve(import.meta.dirname, "../nginx/security-headers.inc.template"), "utf8");

function header(name: string): string | undefined {
  return new RegExp(`^add_header ${name} "([^"]*)" always;$`, "m").exec(template)?.[1];
}

describe("the nginx image's headers", () => {
  it("send the same Content-Security-Policy as vite preview, with the runtime URLs in connect-src", () => {
    expect(header("Content-Security-Policy")).toBe(contentSecurityPolicy(["${API_URL}", "${HANKO_API_URL}"]));
  });

  it("send the same other security headers", () => {
    for (const [name, value] of Object.entries(securityHeaders)) expect(header(name)).toBe(value);
  });

  it("lock down framing, <base>, plugins and scripts", () => {
    const csp = contentSecurityPolicy(["https://api.example.test"]);
    for (const part of ["default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"]) {
      expect(csp).toContain(part);
    }
    expect(csp).toContain("connect-src 'self' https://api.example.test");
  });
});
