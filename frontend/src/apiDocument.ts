/** Where the rendered document came from. */
export type ApiDocumentSource = "backend" | "bundled";

/**
 * The API's OpenAPI document, for the API reference page. It is the backend's own `/openapi.json`, so the page always
 * shows the API that is running (with the features it was built with); when the backend cannot be
 * reached, the copy this build was made with (frontend/openapi.json) stands in, and the page says so.
 */
export async function loadApiDocument(
  apiUrl: string,
  signal?: AbortSignal,
  fetchFn: typeof fetch = fetch,
): Promise<{ spec: object; source: ApiDocumentSource }> {
  try {
    const res = await fetchFn(`${apiUrl}/openapi.json`, { signal, credentials: "omit", headers: { Accept: "application/json" } });
    if (res.ok) {
      const spec: unknown = await res.json();
      if (typeof spec === "object" && spec !== null && "openapi" in spec) return { spec, source: "backend" };
    }
  } catch (err) {
    if (signal?.aborted) throw err;
  }
  const bundled = await import("../openapi.json");
  return { spec: bundled.default, source: "bundled" };
}

