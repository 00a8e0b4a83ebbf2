import { Link } from "react-router";

export function Brand({ to = "/" }: { to?: string }) {
  return (
    <Link to={to} className="brand" aria-label="Hanko × Gin, home">
      <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
        <rect width="32" height="32" rx="8" />
        <path d="M10 16.5l4 4 8-9" />
      </svg>
      <span>
        Hanko <span className="brand-x">×</span> Gin
      </span>
    </Link>
  );
}
