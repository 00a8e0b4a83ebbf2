import { useCallback, useMemo, useState } from "react";
import { useNavigate } from "react-router";
import { NotFoundError, UnauthorizedError } from "../../api";
import { ADMIN_ROLE, describeAdminError, describeChange, pageCount, withRole, withoutRole, type AdminProblem } from "./admin";
import { createAdminApi, type AdminApi, type AdminUser, type AdminUsersPage } from "./admin-api";
import { PageHeading } from "../../components/PageHeading";
import { formatDateTime } from "../../format";
import { useResource } from "../../useResource";
import { useApi, useSession, type LoginLocationState } from "../../session-context";
import "./roles.css";

const PER_PAGE = 20;

type ListState =
  | { status: "loading" }
  | { status: "ready"; data: AdminUsersPage }
  | { status: "failed"; problem: AdminProblem };

interface Notice {
  kind: "info" | "error";
  title?: string;
  text: string;
}

/**
 * Hanko's users with their roles and todo counts; an admin grants or removes `admin` for others.
 * `client` is for tests; the app uses the backend the rest of the app talks to.
 */
export function AdminPage({ client }: { client?: AdminApi }) {
  const api = useApi();
  const { me } = useSession();
  const navigate = useNavigate();
  const admin = useMemo(() => client ?? createAdminApi(api.http), [client, api.http]);
  const [page, setPage] = useState(1);
  const load = useCallback((signal: AbortSignal) => admin.listUsers(page, PER_PAGE, signal), [admin, page]);
  // A 401 here is Hanko ending this session: the page says so itself (see describeAdminError).
  const users = useResource(load, { signInOn401: false });
  const [ended, setEnded] = useState<AdminProblem | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const reload = users.retry;
  const list: ListState =
    ended !== null
      ? { status: "failed", problem: ended }
      : users.status === "ready"
        ? { status: "ready", data: users.data }
        : users.status === "failed"
          ? { status: "failed", problem: describeAdminError(users.error) }
          : { status: "loading" };

  async function change(user: AdminUser, grant: boolean) {
    const who = user.email ?? user.id;
    const roles = grant ? withRole(user.roles, ADMIN_ROLE) : withoutRole(user.roles, ADMIN_ROLE);
    setBusy(user.id);
    setNotice(null);
    try {
      const result = await admin.setRoles(user.id, roles);
      users.update((data) => ({ ...data, users: data.users.map((u) => (u.id === user.id ? { ...u, roles: result.roles } : u)) }));
      setNotice({ kind: "info", text: describeChange(who, ADMIN_ROLE, result) });
    } catch (err) {
      const problem = describeAdminError(err);
      if (err instanceof UnauthorizedError) {
        setEnded(problem);
        return;
      }
      setNotice({ kind: "error", title: problem.title, text: problem.detail });
      if (err instanceof NotFoundError) reload();
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="page">
      <div className="page-heading">
        <PageHeading title="Admin" />
        <p className="muted">
          Hanko&apos;s users, their roles (from their public metadata in Hanko) and how many todos each keeps here. Giving
          a role takes effect at the user&apos;s next sign-in; removing one also ends their sessions, so it takes effect
          now.
        </p>
      </div>

      {notice ? (
        <div className={`notice ${notice.kind} with-action`} role={notice.kind === "error" ? "alert" : "status"}>
          <span>
            {notice.title ? <strong>{notice.title}. </strong> : null}
            {notice.text}
          </span>
          <button
            type="button"
            className="button small ghost"
            onClick={() => {
              setNotice(null);
            }}
            aria-label="Dismiss message"
          >
            Dismiss
          </button>
        </div>
      ) : null}

      {list.status === "loading" ? (
        <p className="muted" role="status">
          Asking Hanko for its users…
        </p>
      ) : list.status === "failed" ? (
        <section className="card problem" role="alert" aria-labelledby="admin-problem-title">
          <h2 id="admin-problem-title">{list.problem.title}</h2>
          <p>{list.problem.detail}</p>
          {list.problem.retry ? (
            <button type="button" className="button primary" onClick={reload}>
              Try again
            </button>
          ) : null}
          {list.problem.signIn ? (
            <button
              type="button"
              className="button primary"
              onClick={() => {
                const state: LoginLocationState = { reason: "expired" };
                void navigate("/", { replace: true, state });
              }}
            >
              Sign in again
            </button>
          ) : null}
        </section>
      ) : (
        <section className="card" aria-labelledby="admin-users-title">
          <div className="card-header">
            <h2 id="admin-users-title">Users</h2>
            <code className="endpoint">GET /api/admin/users</code>
          </div>
          <div className="table-scroll">
            <table className="admin-table">
              <thead>
                <tr>
                  <th scope="col">Email</th>
                  <th scope="col">Roles</th>
                  <th scope="col" className="numeric">
                    Todos
                  </th>
                  <th scope="col">Created</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.users.map((user) => (
                  <UserRow
                    key={user.id}
                    user={user}
                    isMe={user.id === me.user_id}
                    busy={busy === user.id}
                    disabled={busy !== null}
                    onChange={(grant) => {
                      void change(user, grant);
                    }}
                  />
                ))}
              </tbody>
            </table>
          </div>
          {list.data.users.length === 0 ? <p className="muted">No users on this page.</p> : null}
          <Pager data={list.data} onPage={setPage} />
        </section>
      )}
    </div>
  );
}

function UserRow({
  user,
  isMe,
  busy,
  disabled,
  onChange,
}: {
  user: AdminUser;
  isMe: boolean;
  busy: boolean;
  disabled: boolean;
  onChange: (grant: boolean) => void;
}) {
  const who = user.email ?? user.id;
  const hasAdmin = user.roles.includes(ADMIN_ROLE);
  return (
    <tr data-testid="admin-user" data-user-id={user.id}>
      <td>
        {user.email ?? <span className="muted">no email</span>}
        <div className="muted small">
          <code>{user.id}</code>
        </div>
      </td>
      <td data-testid="admin-user-roles">
        {user.roles.length === 0 ? (
          <span className="muted">none</span>
        ) : (
          user.roles.map((r) => (
            <span key={r} className={`badge ${r === ADMIN_ROLE ? "success" : "neutral"}`}>
              {r}
            </span>
          ))
        )}
      </td>
      <td className="numeric" data-testid="admin-user-todos">
        {user.todo_count}
      </td>
      <td>
        <time dateTime={user.created_at}>{formatDateTime(user.created_at)}</time>
      </td>
      <td className="actions">
        {isMe ? (
          <span className="muted small" title="Another admin has to change your admin role.">
            You
          </span>
        ) : (
          <button
            type="button"
            className={`button small${hasAdmin ? " ghost" : ""}`}
            disabled={disabled}
            aria-label={hasAdmin ? `Remove admin from ${who}` : `Grant admin to ${who}`}
            onClick={() => {
              onChange(!hasAdmin);
            }}
          >
            {busy ? "Saving…" : hasAdmin ? "Remove admin" : "Grant admin"}
          </button>
        )}
      </td>
    </tr>
  );
}

function Pager({ data, onPage }: { data: AdminUsersPage; onPage: (page: number) => void }) {
  const pages = pageCount(data.total, data.per_page);
  return (
    <nav className="pager" aria-label="Pages of users">
      <button
        type="button"
        className="button small ghost"
        disabled={data.page <= 1}
        onClick={() => {
          onPage(data.page - 1);
        }}
      >
        Previous
      </button>
      <span className="muted small">
        Page {data.page} of {pages} · {data.total} {data.total === 1 ? "user" : "users"}
      </span>
      <button
        type="button"
        className="button small ghost"
        disabled={!data.has_next}
        onClick={() => {
          onPage(data.page + 1);
        }}
      >
        Next
      </button>
    </nav>
  );
}
