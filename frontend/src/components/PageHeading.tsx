import { useEffect, useRef, type ReactNode } from "react";
import { useLocation } from "react-router";

/** The app's name, after each page's own in the window title. */
export const APP_NAME = "Hanko × Gin";

/**
 * A page's h1. It names the window after the page, and after an in-app navigation it takes the
 * focus, so a screen reader says where the user landed and Tab starts from the page, not from
 * the link that was clicked. The first page of a visit keeps the browser's own focus.
 */
export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { key } = useLocation();

  useEffect(() => {
    document.title = `${title} · ${APP_NAME}`;
  }, [title]);

  useEffect(() => {
    if (key !== "default") ref.current?.focus();
  }, [key]);

  return (
    <h1 ref={ref} tabIndex={-1} className="page-title">
      {children ?? title}
    </h1>
  );
}
