/**
 * One Hanko SDK instance for the whole app, created by hanko-elements' `register()`, which also
 * defines the <hanko-auth> and <hanko-profile> custom elements. Registering twice would define
 * the elements twice, so the promise is kept.
 */
import { register, type Hanko } from "@teamhanko/hanko-elements";
import { useEffect, useState } from "react";
import { config } from "./config";

let registration: Promise<Hanko> | undefined;

export function loadHanko(): Promise<Hanko> {
  registration ??= register(config.hankoApiUrl, {
    enablePasskeys: true,
    // hanko-elements names the session cookie it writes (Hanko Cloud) after its storage key.
    storageKey: config.hankoCookieName,
  }).then((result) => result.hanko);
  return registration;
}

/** Bearer mode: the session token the SDK holds, or null when signed out. */
export async function sessionToken(): Promise<string | null> {
  const hanko = await loadHanko();
  return hanko.getSessionToken() || null;
}

/** A sentence for developers, added to what end users read only in development builds. */
function devHint(text: string): string {
  return import.meta.env.DEV ? ` ${text}` : "";
}

export type HankoState =
  | { status: "loading"; hanko: null; error: null }
  | { status: "ready"; hanko: Hanko; error: null }
  | { status: "failed"; hanko: null; error: string };

/** The shared Hanko instance once hanko-elements is registered. */
export function useHanko(): HankoState {
  const [state, setState] = useState<HankoState>({ status: "loading", hanko: null, error: null });
  useEffect(() => {
    let active = true;
    loadHanko().then(
      (hanko) => {
        if (active) setState({ status: "ready", hanko, error: null });
      },
      (err: unknown) => {
        if (active) {
          setState({ status: "failed", hanko: null, error: describeHankoError(err) });
        }
      },
    );
    return () => {
      active = false;
    };
  }, []);
  return state;
}

/**
 * Asks Hanko for its public keys, the cheapest request it answers for anyone. A failure here
 * means the browser cannot talk to Hanko at all (down, wrong URL, or CORS does not allow this
 * origin), which <hanko-auth> only reports as "a technical error". Resolves to a sentence
 * explaining the problem, or null when Hanko answered.
 */
export async function probeHanko(hankoApiUrl: string = config.hankoApiUrl, signal?: AbortSignal): Promise<string | null> {
  try {
    const res = await fetch(`${hankoApiUrl}/.well-known/jwks.json`, { signal, credentials: "omit" });
    if (res.ok) return null;
    return `The sign-in service is having trouble. Try again in a moment.${devHint(`Hanko at ${hankoApiUrl} answered ${res.status}. Check HANKO_API_URL (VITE_HANKO_API_URL) and that Hanko is healthy.`)}`;
  } catch (err) {
    if (signal?.aborted) return null;
    const detail = err instanceof Error ? ` (${err.message})` : "";
    return `The sign-in service cannot be reached. Check your connection and try again.${devHint(`Hanko at ${hankoApiUrl} could not be reached${detail}. Check that it is running and that its CORS settings (cors.allow_origins) include ${window.location.origin}.`)}`;
  }
}

/** Readable text for errors thrown by hanko-elements or the Hanko SDK (matched on their `code`). */
export function describeHankoError(err: unknown): string {
  const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : "";
  switch (code) {
    case "somethingWentWrong":
      return `The sign-in service could not be reached or had a problem. Try again.${devHint(`Hanko at ${config.hankoApiUrl} could not be reached or answered with an error. Check that it is running and that its CORS settings allow ${window.location.origin}.`)}`;
    case "requestTimeout":
      return `The sign-in service did not answer in time. Try again.${devHint(`(Hanko at ${config.hankoApiUrl})`)}`;
    case "tooManyRequests":
      return "Too many attempts. Wait a moment, then try again.";
    case "unauthorized":
      return "Your Hanko session is no longer valid. Sign in again.";
    case "forbidden":
      return "Hanko refused this request.";
    default:
      if (err instanceof Error) return err.message || err.name;
      if (typeof err === "object" && err !== null && "message" in err && typeof err.message === "string") {
        return err.message;
      }
      return String(err);
  }
}
