// The roles feature in the browser end-to-end test (e2e/run.mjs runs it; docs/roles.md): roles
// from Hanko's public metadata and the admin area.
//
// alice has the admin role in the stand-in's admin API, bob has none. Fresh sessions come from
// fakehanko's POST /e2e/login (as if the user signed in again: the token's roles are the user's
// public metadata at that moment), since the core checks logged alice out.

import path from "node:path";

export const name = "roles";

/** The backend reads users and roles through Hanko's admin API: the stand-in's. */
export const backendEnv = ({ hanko }) => ({ HANKO_ADMIN_API_URL: hanko.admin_url });

export async function run(t) {
  const { check, assert, request, sleep, waitFor, axe, api, frontendOrigin, backendURL, artifacts } = t;
  const login = async (user) => {
    const res = await request(`${t.hanko.url}/e2e/login?user=${user}`, { method: "POST" });
    if (res.status !== 200) throw new Error(`fakehanko /e2e/login?user=${user}: ${res.status} ${res.text}`);
    return res.json;
  };
  const alice = await login("alice");
  let bob = await login("bob");
  const adminSide = await t.openAs(alice.token);
  const userSide = await t.openAs(bob.token);
  const page = adminSide.page;
  const row = (id) => page.locator(`[data-testid="admin-user"][data-user-id="${id}"]`);
  const rolesOf = (id) => row(id).getByTestId("admin-user-roles");

  await check("admin: the Admin entry opens Hanko's users with roles and todo counts", async () => {
    t.showOnFailure(page);
    const count = async (token) => {
      const res = await api(token).get("/api/todos?limit=200");
      assert(res.status === 200 && !res.json.next_cursor, `GET /api/todos: ${res.status} ${res.text.slice(0, 200)}`);
      return res.json.todos.length;
    };
    const aliceTodos = await count(alice.token);
    const bobTodos = await count(bob.token);
    assert(aliceTodos !== bobTodos, `alice and bob both have ${aliceTodos} todos; the counts prove nothing`);
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByRole("link", { name: "Admin" }).click();
    await page.waitForURL(`${frontendOrigin}/admin`);
    await row(alice.user_id).waitFor();
    assert((await rolesOf(alice.user_id).textContent()) === "admin", `alice's roles: ${await rolesOf(alice.user_id).textContent()}`);
    const shown = await row(alice.user_id).getByTestId("admin-user-todos").textContent();
    assert(shown === String(aliceTodos), `alice's todo count on the page ${shown}, backend has ${aliceTodos}`);
    assert((await row(alice.user_id).getByRole("button").count()) === 0, "the admin can change her own admin role");
    await row(alice.user_id).getByText("You").waitFor();
    assert((await rolesOf(bob.user_id).textContent()) === "none", `bob's roles: ${await rolesOf(bob.user_id).textContent()}`);
    const bobShown = await row(bob.user_id).getByTestId("admin-user-todos").textContent();
    assert(bobShown === String(bobTodos), `bob's todo count on the page ${bobShown}, backend has ${bobTodos}`);
    await page.screenshot({ path: path.join(artifacts, "admin.png"), fullPage: true });
  });

  await check("accessibility: the admin page", () => axe(page, { screenshot: "admin" }));

  await check("admin: a non-admin sees no Admin entry, gets 403 from the API and a plain explanation", async () => {
    const p = userSide.page;
    t.showOnFailure(p);
    await p.goto(`${frontendOrigin}/dashboard`);
    await p.getByTestId("me-email").filter({ hasText: bob.email }).waitFor();
    assert((await p.getByRole("link", { name: "Admin" }).count()) === 0, "bob sees the Admin entry");
    const list = await api(bob.token).get("/api/admin/users");
    assert(list.status === 403 && list.json?.error === "forbidden", `bob GET /api/admin/users: ${list.status} ${list.text}`);
    const put = await api(bob.token).send("PUT", `/api/admin/users/${bob.user_id}/roles`, { roles: ["admin"] });
    assert(put.status === 403 && put.json?.error === "forbidden", `bob PUT roles: ${put.status} ${put.text}`);
    await p.goto(`${frontendOrigin}/admin`);
    await p.getByRole("alert").filter({ hasText: "This page is for admins" }).waitFor();
  });

  await check("accessibility: the admin page refusing a non-admin", () => axe(userSide.page));

  await check("admin: granting admin reaches bob at his next sign-in", async () => {
    t.showOnFailure(page);
    await page.getByRole("button", { name: `Grant admin to ${bob.email}` }).click();
    await page.getByRole("status").filter({ hasText: `${bob.email} now has the admin role` }).waitFor();
    assert((await rolesOf(bob.user_id).textContent()) === "admin", "bob's row does not show admin");
    const listed = (await api(alice.token).get("/api/admin/users")).json.users.find((u) => u.id === bob.user_id);
    assert(listed?.roles.includes("admin"), `Hanko does not have bob as admin: ${JSON.stringify(listed)}`);
    // His current token predates the grant; the next one carries the role.
    assert((await api(bob.token).get("/api/admin/users")).status === 403, "bob's old token opened the admin API");
    bob = await login("bob");
    assert((await api(bob.token).get("/api/admin/users")).status === 200, "bob's new token does not open the admin API");
    await userSide.ctx.clearCookies();
    await userSide.ctx.addCookies([t.sessionCookie(bob.token)]);
    t.showOnFailure(userSide.page);
    await userSide.page.goto(`${frontendOrigin}/dashboard`);
    await userSide.page.getByRole("link", { name: "Admin" }).waitFor();
  });

  await check("accessibility: the admin page with a message after a change", () => axe(page));

  await check("admin: removing admin ends bob's sessions, so his admin token stops at once", async () => {
    t.showOnFailure(page);
    // Pace it like a person: the page has just re-rendered bob's row.
    await sleep(300);
    await page.getByRole("button", { name: `Remove admin from ${bob.email}` }).click();
    await page.getByRole("status").filter({ hasText: `Removed admin from ${bob.email}` }).waitFor();
    assert((await rolesOf(bob.user_id).textContent()) === "none", "bob's row still shows admin");
    // The backend reuses Hanko's answer for a session for up to HANKO_SESSION_CHECK_TTL (5 s).
    await waitFor("bob's admin token refused", async () => (await api(bob.token).get("/api/admin/users")).status === 401, 15_000);
    const p = userSide.page;
    t.showOnFailure(p);
    await p.goto(`${frontendOrigin}/admin`);
    const alert = p.getByRole("alert").filter({ hasText: "Your session has ended" });
    await alert.waitFor();
    await alert.getByRole("button", { name: "Sign in again" }).click();
    await p.waitForURL(`${frontendOrigin}/`);
    await p.getByText("Your session expired. Sign in again").waitFor();
  });

  await check("admin: the admin cannot remove her own admin role (API)", async () => {
    const res = await api(alice.token).send("PUT", `/api/admin/users/${alice.user_id}/roles`, { roles: [] });
    assert(res.status === 409 && res.json?.error === "cannot_remove_own_admin", `${res.status} ${res.text}`);
    assert((await api(alice.token).get("/api/admin/users")).status === 200, "alice lost the admin area");
  });

  await check("admin: a 503 from the admin API is explained in plain words", async () => {
    t.showOnFailure(page);
    const route = `${backendURL}/api/admin/users**`;
    await page.route(route, (r) =>
      r.fulfill({
        status: 503,
        contentType: "application/json",
        headers: { "Access-Control-Allow-Origin": frontendOrigin, "Access-Control-Allow-Credentials": "true" },
        body: JSON.stringify({ error: "admin_unavailable", message: "Hanko's admin API cannot be reached right now." }),
      }),
    );
    await page.reload();
    const alert = page.getByRole("alert").filter({ hasText: "Hanko's admin API is not available" });
    await alert.waitFor();
    await page.unroute(route);
    await alert.getByRole("button", { name: "Try again" }).click();
    await row(alice.user_id).waitFor();
  });
}
