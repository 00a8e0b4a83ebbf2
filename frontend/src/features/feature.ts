/**
 * What an optional feature adds to the app. The registry in `src/features.ts` lists the features,
 * one line each; the App and the Header read it, and never import a feature themselves.
 */
import type { ComponentType } from "react";
import type { Me } from "../api";

/** A page inside the signed-in layout (behind `RequireSession`, with the header). */
export interface FeatureRoute {
  path: string;
  Page: ComponentType;
}

/** An entry in the header's main navigation. */
export interface FeatureNavLink {
  to: string;
  label: string;
  /** Whether the signed-in user sees it; always, when absent. The backend decides anyway. */
  visible?: (me: Me) => boolean;
}

export interface Feature {
  /** The feature's short name, the name of its folder. */
  name: string;
  routes?: readonly FeatureRoute[];
  nav?: readonly FeatureNavLink[];
  /** Components mounted once, on every page (inside the router and the API provider), e.g. to handle an SDK event. */
  listeners?: readonly ComponentType[];
}
