import { useEffect, useRef, useState } from "react";
// Registers the <rapi-doc> element. This module is loaded only on this page (App.tsx imports it
// with React.lazy), so the renderer never weighs on the other pages.
import "rapidoc";
import { Brand } from "../components/Brand";
import { PageHeading } from "../components/PageHeading";
import { loadApiDocument, type ApiDocumentSource } from "../apiDocument";
import { config } from "../config";

interface RapiDocElement extends HTMLElement {
  loadSpec(spec: object): void;
}

/** Colours and fonts of the app, for the renderer (it draws inside its own shadow root). */
function theme(): Record<string, string> {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  const dark = window.matchMedia("(prefers-color-scheme: dark)").matches;
  return {
    theme: dark ? "dark" : "light",
    "bg-color": v("--surface"),
    "text-color": v("--text"),
    "primary-color": v("--brand"),
    "regular-font": v("--font-sans"),
    "mono-font": 'ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace',
  };
}

/** `/api-reference`: public, no sign-in needed. */
export default function ApiReferencePage() {
  const host = useRef<HTMLDivElement>(null);
  const [source, setSource] = useState<ApiDocumentSource | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    const el = document.createElement("rapi-doc") as RapiDocElement;
    const attributes: Record<string, string> = {
      ...theme(),
      // A reading view of the whole document; no console that sends requests, no own header,
      // and no rewriting of the page's URL (the router owns it).
      "render-style": "view",
      layout: "column",
      "show-header": "false",
      // Its default font comes from a font CDN, which the CSP (font-src 'self') refuses anyway.
      "load-fonts": "false",
      "allow-try": "false",
      "allow-authentication": "false",
      "allow-server-selection": "false",
      "allow-spec-url-load": "false",
      "allow-spec-file-load": "false",
      "allow-spec-file-download": "false",
      "update-route": "false",
      "schema-style": "table",
      "default-schema-tab": "schema",
      "info-description-headings-in-navbar": "false",
    };
    for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
    host.current?.replaceChildren(el);
    // Follow the system's colour scheme as the rest of the app does.
    const scheme = window.matchMedia("(prefers-color-scheme: dark)");
    const retheme = () => {
      for (const [name, value] of Object.entries(theme())) el.setAttribute(name, value);
    };
    scheme.addEventListener("change", retheme);
    loadApiDocument(config.apiUrl, controller.signal).then(
      ({ spec, source: from }) => {
        if (controller.signal.aborted) return;
        el.loadSpec(spec);
        setSource(from);
      },
      () => undefined,
    );
    return () => {
      controller.abort();
      scheme.removeEventListener("change", retheme);
      el.remove();
    };
  }, []);

  return (
    <div className="login-layout">
      <header className="login-header">
        <Brand />
      </header>
      <main className="app-main api-reference" id="main">
        <div className="page">
          <div className="card-header">
            <PageHeading title="API reference" />
            <a className="button ghost" href={`${config.apiUrl}/openapi.json`}>
              openapi.json
            </a>
          </div>
          <p className="muted" role="status">
            {source === null
              ? "Loading the API's OpenAPI document…"
              : source === "backend"
                ? "The OpenAPI document of the running backend."
                : "The backend cannot be reached: this is the OpenAPI document the app was built with."}
          </p>
          <div ref={host} className="card api-reference-doc" data-testid="api-reference" />
        </div>
      </main>
    </div>
  );
}
