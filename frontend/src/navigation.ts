import type { FeatureNavLink } from "./features/feature";

/** The app's own pages in the main navigation, in order. A page of yours gets its line here (frontend/README.md). */
export const pageLinks: readonly FeatureNavLink[] = [
  { to: "/dashboard", label: "Dashboard" },
  { to: "/profile", label: "Profile" },
  { to: "/api-reference", label: "API" },
];
