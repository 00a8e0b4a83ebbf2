/**
 * A stand-in for the backend client in unit tests: give the methods a test uses, and every other
 * method rejects with a sentence naming it. Adding a method to `ApiClient` breaks no test.
 *
 *   const api = fakeApi({ me: vi.fn(() => Promise.resolve(alice)) });
 */
import type { ApiClient } from "../api";

export function fakeApi(methods: Partial<ApiClient> = {}): ApiClient {
  const base: Partial<ApiClient> = { baseUrl: "http://backend.test", ...methods };
  return new Proxy(base, {
    get(target, key, receiver) {
      if (key in target) return Reflect.get(target, key, receiver) as unknown;
      if (typeof key !== "string" || key === "then") return undefined;
      return () => Promise.reject(new Error(`api.${key} is not faked in this test: pass it to fakeApi({ ${key}: … }).`));
    },
  }) as ApiClient;
}
