/**
 * The Content-Security-Policy the app is served with: by `vite preview` (vite.config.ts) and by
 * nginx in the container image (nginx/default.conf.template, which a test keeps equal to this).
 * Scripts, styles, fonts and images come from this origin only; the page may talk to itself, the
 * backend and Hanko; it cannot be framed, and `<base>` and plugins are off.
 */
export function contentSecurityPolicy(connectTo: readonly string[]): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    // hanko-elements puts its styles into <style> elements inside its shadow roots (without
    // 'unsafe-inline' they are refused; the e2e run shows it). Scripts stay 'self' only.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    ["connect-src 'self'", ...connectTo].join(" "),
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
    "form-action 'self'",
  ].join("; ");
}

/** The other security headers, the same everywhere. */
export const securityHeaders = {
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "same-origin",
} as const;
