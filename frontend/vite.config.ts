import react from "@vitejs/plugin-react";
import { loadEnv } from "vite";
import { defineConfig } from "vitest/config";
import { contentSecurityPolicy, securityHeaders } from "./src/csp";

export default defineConfig(({ mode }) => {
  // `vite preview` serves a build the way nginx does in the image: the same CSP, with the URLs
  // of the runtime settings (API_URL, HANKO_API_URL) or, without them, the build's VITE_* ones.
  const env = { ...loadEnv(mode, process.cwd(), "VITE_"), ...process.env };
  const connectTo = [env.API_URL || env.VITE_API_URL || "http://localhost:5001", env.HANKO_API_URL || env.VITE_HANKO_API_URL || ""].filter(Boolean);
  return {
    plugins: [react()],
    server: { port: 5173, strictPort: true },
    preview: {
      port: 4173,
      strictPort: true,
      headers: { "Content-Security-Policy": contentSecurityPolicy(connectTo), ...securityHeaders },
    },
    build: {
      // hanko-elements bundles preact and its translations into one chunk.
      chunkSizeWarningLimit: 1200,
    },
    test: {
      environment: "jsdom",
      include: ["src/**/*.test.{ts,tsx}"],
      restoreMocks: true,
    },
  };
});
