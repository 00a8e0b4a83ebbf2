// The webhooks feature in the browser end-to-end test (e2e/run.mjs runs it; docs/webhooks.md):
// <hanko-profile>'s "Delete account" -> Hanko's user.delete webhook -> the user's todos are gone.
//
// carol (a third user of the stand-in Hanko, in her own browser profile) stores todos, deletes her
// account in <hanko-profile>, and lands on the login page with the app's message. The stand-in
// Hanko delivers a signed user.delete webhook to the backend (fakehanko -webhook), which deletes
// her todos: another session of hers then lists none, while alice and bob keep theirs.

import { readFileSync } from "node:fs";
import path from "node:path";

export const name = "webhooks";

/** The stand-in Hanko sends user.delete to the backend's webhook route. */
export const fakehankoArgs = ({ backendPort }) => ["-webhook", `http://127.0.0.1:${backendPort}/webhooks/hanko`];

export async function run(t) {
  const { check, assert, sleep, tail, axe, api, frontendOrigin, backend, artifacts } = t;
  const { alice, bob, carol } = t.hanko.users;
  // hanko-elements re-applies the flow state about 500 ms after a change: act like a person.
  const pause = () => sleep(800);
  const { ctx: ctxC, page: pageC } = await t.openAs(carol.token);
  t.showOnFailure(pageC);
  const titles = async (token) => {
    const res = await api(token).get("/api/todos");
    assert(res.status === 200, `GET /api/todos ${res.status} ${res.text}`);
    return res.json.todos.map((todo) => todo.title);
  };
  let othersBefore;

  await check("account deletion: the profile page offers Delete account", async () => {
    for (const title of ["Carol's first todo", "Carol's second todo"]) {
      const res = await api(carol.token).send("POST", "/api/todos", { title });
      assert(res.status === 201, `POST /api/todos as carol ${res.status}`);
    }
    assert((await titles(carol.second_token)).length === 2, "carol's todos are not visible to her second session");
    othersBefore = { alice: await titles(alice.token), bob: await titles(bob.token) };
    await pageC.goto(`${frontendOrigin}/profile`);
    const profile = pageC.locator("hanko-profile");
    await profile.getByText(carol.email).first().waitFor();
    await pause();
    await profile.getByRole("button", { name: "Delete account" }).click();
    await profile.getByText("Are you sure you want to delete this account?").waitFor();
  });

  await check("account deletion: confirming lands on the login page saying the todos were deleted", async () => {
    const profile = pageC.locator("hanko-profile");
    await pause();
    await profile.getByRole("checkbox", { name: "Yes, delete this account." }).check();
    await pause();
    await profile.getByRole("button", { name: "Delete", exact: true }).click();
    await pageC.waitForURL(`${frontendOrigin}/`);
    await pageC.getByText("Your account and your todos were deleted.").waitFor();
    await pageC.locator("hanko-auth input[type=email]").waitFor();
    await pageC.screenshot({ path: path.join(artifacts, "account-deleted.png") });
    const cookies = await ctxC.cookies(frontendOrigin);
    assert(!cookies.some((c) => c.name === "hanko" && c.value), `hanko cookie still set: ${JSON.stringify(cookies)}`);
  });

  await check("accessibility: the login page after the account was deleted", () => axe(pageC));

  await check("account deletion: the user.delete webhook deleted her todos, and only hers", async () => {
    // The backend answered Hanko's webhook before Hanko answered the browser, so this holds at once.
    const left = await titles(carol.second_token);
    assert(left.length === 0, `carol's other session still lists ${JSON.stringify(left)}`);
    const log = readFileSync(backend.logFile, "utf8");
    assert(
      log.split("\n").some((l) => l.includes("hanko webhook") && l.includes("outcome=deleted") && l.includes(`user_id=${carol.user_id}`)),
      `the backend logged no deletion for carol:\n${tail(backend.logFile)}`,
    );
    assert(!log.includes(carol.token) && !log.includes(carol.second_token), "the backend logged a token");
    const othersAfter = { alice: await titles(alice.token), bob: await titles(bob.token) };
    assert(JSON.stringify(othersAfter) === JSON.stringify(othersBefore), `other users' todos changed: ${JSON.stringify({ othersBefore, othersAfter })}`);
  });
}
