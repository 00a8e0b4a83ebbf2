/**
 * Build-time settings (see .env.example). Vite inlines `import.meta.env.VITE_*` when it
 * builds, so changing them needs a rebuild (or a dev-server restart).
 */

export const DEFAULT_API_URL = "http://localhost:5001";

export interface AppConfig {
  /** Hanko API base URL, without a trailing slash; empty when not configured. */
  hankoApiUrl: string;
  /** This project's Gin backend, without a trailing slash. */
  apiUrl: string;
  /** Human-readable problems with the settings; the app refuses to start while any exist. */
  problems: string[];
}

function normalizeUrl(name: string, raw: string | undefined, fallback: string | null, problems: string[]): string {
  const value = (raw ?? "").trim() || fallback;
  if (!value) {
    problems.push(`${name} is not set. Put it in frontend/.env (see .env.example) and rebuild.`);
    return "";
  }
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    problems.push(`${name} must be an absolute URL such as http://localhost:8000, got "${value}".`);
    return "";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    problems.push(`${name} must use http or https, got "${value}".`);
    return "";
  }
  return value.replace(/\/+$/, "");
}

export function readConfig(env: { VITE_HANKO_API_URL?: string; VITE_API_URL?: string }): AppConfig {
  const problems: string[] = [];
  const hankoApiUrl = normalizeUrl("VITE_HANKO_API_URL", env.VITE_HANKO_API_URL, null, problems);
  const apiUrl = normalizeUrl("VITE_API_URL", env.VITE_API_URL, DEFAULT_API_URL, problems);
  return { hankoApiUrl, apiUrl, problems };
}

export const config: AppConfig = readConfig(import.meta.env);
