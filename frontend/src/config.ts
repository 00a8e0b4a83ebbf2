/**
 * The app's settings. One build serves every environment: the container writes `/config.js`
 * (window.__HANKO_GIN_CONFIG__) from its environment when it starts, and index.html loads it
 * before the app. Whatever it leaves empty comes from the build's `VITE_*` settings (.env, see
 * .env.example), which is how `npm run dev` is configured.
 */

export const DEFAULT_API_URL = "http://localhost:5001";

/** How the session token reaches the backend. */
export type AuthTransport = "cookie" | "bearer";

export interface AppConfig {
  /** Hanko API base URL, without a trailing slash; empty when not configured. */
  hankoApiUrl: string;
  /** This project's Gin backend, without a trailing slash. */
  apiUrl: string;
  /**
   * "cookie" (default): fetches carry the browser's cookies, and the backend reads the Hanko
   * cookie. "bearer": fetches carry `Authorization: Bearer <session token>` and no cookies, for a
   * backend on another site, where the Hanko cookie does not reach it (docs/operations.md).
   */
  authTransport: AuthTransport;
  /** The Hanko session cookie's name; the backend's HANKO_COOKIE_NAME. */
  hankoCookieName: string;
  /** Problems with the settings; the app refuses to start while any exist. */
  problems: string[];
}

/** What `/config.js` provides (all optional). */
export interface RuntimeConfig {
  apiUrl?: string;
  hankoApiUrl?: string;
  authTransport?: string;
  hankoCookieName?: string;
}

/** The build's settings, as Vite provides them. */
export interface BuildEnv {
  VITE_HANKO_API_URL?: string;
  VITE_API_URL?: string;
  VITE_AUTH_TRANSPORT?: string;
  VITE_HANKO_COOKIE_NAME?: string;
}

declare global {
  interface Window {
    __HANKO_GIN_CONFIG__?: RuntimeConfig;
  }
}

function pick(runtime: string | undefined, build: string | undefined): string {
  const r = (runtime ?? "").trim();
  return r !== "" ? r : (build ?? "").trim();
}

function normalizeUrl(name: string, value: string, fallback: string | null, problems: string[]): string {
  const v = value || fallback;
  if (!v) {
    problems.push(`${name} is not set. Put it in frontend/.env (see .env.example) or in the container's environment.`);
    return "";
  }
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    problems.push(`${name} must be an absolute URL such as http://localhost:8000, got "${v}".`);
    return "";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    problems.push(`${name} must use http or https, got "${v}".`);
    return "";
  }
  return v.replace(/\/+$/, "");
}

export function readConfig(runtime: RuntimeConfig = {}, env: BuildEnv = {}): AppConfig {
  const problems: string[] = [];
  const hankoApiUrl = normalizeUrl("HANKO_API_URL (VITE_HANKO_API_URL)", pick(runtime.hankoApiUrl, env.VITE_HANKO_API_URL), null, problems);
  const apiUrl = normalizeUrl("API_URL (VITE_API_URL)", pick(runtime.apiUrl, env.VITE_API_URL), DEFAULT_API_URL, problems);
  const transport = pick(runtime.authTransport, env.VITE_AUTH_TRANSPORT).toLowerCase() || "cookie";
  let authTransport: AuthTransport = "cookie";
  if (transport === "cookie" || transport === "bearer") authTransport = transport;
  else problems.push(`AUTH_TRANSPORT (VITE_AUTH_TRANSPORT) must be "cookie" or "bearer", got "${transport}".`);
  const hankoCookieName = pick(runtime.hankoCookieName, env.VITE_HANKO_COOKIE_NAME) || "hanko";
  if (!/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(hankoCookieName)) {
    problems.push(`HANKO_COOKIE_NAME (VITE_HANKO_COOKIE_NAME) "${hankoCookieName}" is not a valid cookie name.`);
  }
  return { hankoApiUrl, apiUrl, authTransport, hankoCookieName, problems };
}

export const config: AppConfig = readConfig(typeof window === "undefined" ? {} : window.__HANKO_GIN_CONFIG__, import.meta.env);
