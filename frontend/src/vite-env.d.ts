/// <reference types="vite/client" />

interface ImportMetaEnv {
  readonly VITE_HANKO_API_URL?: string;
  readonly VITE_API_URL?: string;
  readonly VITE_AUTH_TRANSPORT?: string;
  readonly VITE_HANKO_COOKIE_NAME?: string;
}

interface ImportMeta {
  readonly env: ImportMetaEnv;
}
