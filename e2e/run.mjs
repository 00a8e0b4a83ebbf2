#!/usr/bin/env node
// Browser end-to-end test: the built React app, the real Go backend and a stand-in Hanko
// (e2e/fakehanko), all on loopback, driven in headless Chromium through playwright-core.
//
//   node e2e/run.mjs        (from the repo root, after `npm ci` in frontend/)
//
// Needs Go, Node 20 and Debian's chromium (CHROMIUM=/path overrides /usr/bin/chromium).
// Every process it starts is stopped when it ends, whatever happens. A screenshot of the
// dashboard lands in artifacts/dashboard.png (and the login page in artifacts/login.png).
// KEEP_E2E_TMP=1 keeps the temp dir (logs, database) for debugging.
//
// This file tests the core (sign-in, dashboard, todos, profile, log out); each optional feature
// adds its checks from e2e/features/NAME.mjs, listed below one line each. Every page visited is
// also checked with axe-core's WCAG 2.1 A/AA rules: at desktop and at phone width, and dark at desktop width.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, createWriteStream, writeFileSync } from "node:fs";
import http from "node:http";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const frontendDir = path.join(root, "frontend");
// playwright-core is a devDependency of the frontend; resolve it from there.
const require = createRequire(path.join(frontendDir, "package.json"));
const { chromium } = require("playwright-core");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

// The features' checks, one line each (removing a feature deletes its line and
// e2e/features/NAME.mjs). A feature module exports name and run(t), where t holds the helpers
// and the running setup (see `const t` in main), and may export fakehankoArgs(setup) and
// backendEnv(setup): its flags for the stand-in Hanko and its settings for the backend.
const features = [
  await import("./features/webhooks.mjs"), // feature:webhooks — account deletion -> user.delete webhook (docs/webhooks.md)
  await import("./features/roles.mjs"), // feature:roles — the admin area (docs/roles.md)
];

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
// For everything after the builds (which take what they take on a busy machine).
const OVERALL_TIMEOUT_MS = 8 * 60_000;
// The backend's TODOS_MAX_PER_USER for this run: small, so the test reaches it, and above the
// frontend's page of 50, so the list needs a second page first.
const TODO_CAP = 57;
const PAGE_SIZE = 50;

const tmp = mkdtempSync(path.join(os.tmpdir(), "hanko-gin-e2e-"));
const artifacts = path.join(root, "artifacts");
mkdirSync(artifacts, { recursive: true });

/** @type {import("node:child_process").ChildProcess[]} */
const children = [];
let browserContexts = [];
let passed = 0;
let failed = 0;

function log(msg) {
  console.log(`[e2e] ${msg}`);
}

// ---------- process management ----------

function start(name, cmd, args, opts = {}) {
  const logFile = path.join(tmp, `${name}.log`);
  const out = createWriteStream(logFile);
  // detached: own process group, so stopping it also stops anything it spawned.
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(out);
  child.stderr.pipe(out);
  child.logFile = logFile;
  child.name = name;
  child.on("exit", (code, signal) => {
    child.exited = true;
    if (!child.stopping) log(`${name} exited early (code ${code}, signal ${signal}); log: ${logFile}`);
  });
  children.push(child);
  return child;
}

function signalGroup(child, signal) {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

/** Stops every started process group: SIGTERM, then SIGKILL after 3 s. */
async function stopAll() {
  const running = children.filter((c) => !c.exited && c.pid !== undefined);
  for (const child of running) {
    child.stopping = true;
    signalGroup(child, "SIGTERM");
  }
  await Promise.race([
    Promise.all(running.map((c) => (c.exited ? undefined : new Promise((r) => c.once("exit", r))))),
    sleep(3000),
  ]);
  for (const child of running) {
    if (!child.exited) signalGroup(child, "SIGKILL");
    // Grandchildren left in the group (if any) go too.
    signalGroup(child, "SIGKILL");
  }
}

/** Last resort on process exit (synchronous): kill whatever is left. */
function killAllNow() {
  for (const child of children) {
    if (child.pid !== undefined) signalGroup(child, "SIGKILL");
  }
}

function tail(file, lines = 30) {
  try {
    return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log)";
  }
}

function run(name, cmd, args, opts = {}) {
  log(`${name}: ${cmd} ${args.join(" ")}`);
  const res = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (res.status !== 0) throw new Error(`${name} failed with exit code ${res.status}`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitFor(what, check, timeoutMs = 60_000, child) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    if (child?.exited) throw new Error(`${what}: ${child.name} exited.\n${tail(child.logFile)}`);
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastErr = err;
    }
    await sleep(150);
  }
  throw new Error(`timed out waiting for ${what}${lastErr ? `: ${lastErr.message}` : ""}${child ? `\n${tail(child.logFile)}` : ""}`);
}

/** Plain HTTP request (Node's http, so Origin and Cookie headers go out as given). */
function request(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, headers: res.headers, text, json });
      });
    });
    req.on("error", reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`request to ${url} timed out`)));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

// ---------- checks ----------

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** The page whose screen is saved when a check fails. */
let currentPage;

async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok - ${name}`);
  } catch (err) {
    failed += 1;
    console.log(`not ok - ${name}\n    ${String(err?.stack ?? err).split("\n").join("\n    ")}`);
    if (currentPage) {
      const shot = path.join(artifacts, `failure-${failed}.png`);
      await currentPage.screenshot({ path: shot, fullPage: true }).then(
        () => console.log(`    screenshot: ${shot}`),
        () => undefined,
      );
    }
  }
}

// ---------- accessibility ----------

const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];
const DESKTOP = { width: 1280, height: 860 };
const PHONE = { width: 390, height: 844 };

function describeViolations(violations) {
  return violations
    .map((v) => {
      const nodes = v.nodes.map((n) => {
        // A target inside a shadow root (hanko-elements) is a list of selectors, host first.
        const where = n.target.map((t) => (Array.isArray(t) ? t.join(" >>> ") : t)).join(" ");
        const why = (n.failureSummary ?? "").split("\n").map((l) => l.trim()).filter(Boolean).join(" ");
        return `      - ${where}\n        ${n.html.replace(/\s+/g, " ").slice(0, 160)}\n        ${why}`;
      });
      return `    [${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n${nodes.join("\n")}`;
    })
    .join("\n");
}

/**
 * Runs axe-core's WCAG 2.1 A and AA rules on the page as it is, at desktop and at phone width and in the dark colour scheme (at desktop width);
 * throws on any serious or critical violation (printed readably), or when the page scrolls sideways,
 * and prints lesser ones.
 * `screenshot`: also save artifacts/<name>-a11y-<width>.png at each width, to look at.
 */
async function axe(page, { screenshot } = {}) {
  const before = page.viewportSize() ?? DESKTOP;
  const failures = [];
  // Colours are measured as they settle: no transition half-way between two colour schemes,
  // in the page and in the shadow roots of hanko-elements.
  await page.evaluate(() => {
    const roots = [document.head];
    const walk = (root) => {
      for (const el of root.querySelectorAll("*")) {
        if (el.shadowRoot) {
          roots.push(el.shadowRoot);
          walk(el.shadowRoot);
        }
      }
    };
    walk(document);
    for (const root of roots) {
      const style = document.createElement("style");
      style.className = "e2e-no-transitions";
      style.textContent = "*, *::before, *::after { transition: none !important; }";
      root.append(style);
    }
  });
  try {
    for (const [label, size, colorScheme] of [
      ["desktop", DESKTOP, "light"],
      ["phone", PHONE, "light"],
      ["desktop-dark", DESKTOP, "dark"],
    ]) {
      await page.setViewportSize(size);
      await page.emulateMedia({ colorScheme });
      await sleep(200);
      if (screenshot) await page.screenshot({ path: path.join(artifacts, `${screenshot}-a11y-${label}.png`), fullPage: true });
      // Evaluated by the browser's debugger protocol, which the page's CSP does not govern (an
      // injected <script> would be refused, as it should be).
      if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
      const violations = await page.evaluate(async (tags) => {
        const result = await window.axe.run(document, { runOnly: { type: "tag", values: tags }, resultTypes: ["violations"] });
        return result.violations.map((v) => ({
          id: v.id,
          impact: v.impact,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({ target: n.target, html: n.html, failureSummary: n.failureSummary })),
        }));
      }, AXE_TAGS);
      const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      const minor = violations.filter((v) => !serious.includes(v));
      const where = `${label} (${size.width}x${size.height}), ${page.url()}`;
      if (minor.length > 0) console.log(`    axe at ${where}, not failing:\n${describeViolations(minor)}`);
      if (serious.length > 0) failures.push(`  at ${where}:\n${describeViolations(serious)}`);
      // WCAG 1.4.10 (reflow), which axe does not measure: nothing makes the page scroll sideways.
      const { wider, culprits } = await page.evaluate(() => {
        const width = document.documentElement.clientWidth;
        // The outermost elements that reach past the window's right edge.
        const past = [...document.body.querySelectorAll("*")].filter((el) => el.getBoundingClientRect().right > width + 0.5);
        const outermost = past.filter((el) => !past.includes(el.parentElement));
        const name = (el) => `${el.tagName.toLowerCase()}${el.className && typeof el.className === "string" ? `.${el.className.trim().split(/\s+/).join(".")}` : ""}`;
        return {
          wider: document.documentElement.scrollWidth - width,
          culprits: outermost.slice(0, 5).map((el) => `${name(el.parentElement)} > ${name(el)} (right edge at ${Math.round(el.getBoundingClientRect().right)}px)`),
        };
      });
      if (wider > 0) {
        failures.push(`  at ${where}:\n    the page is ${wider}px wider than the window, so it scrolls sideways (WCAG 1.4.10 reflow): ${culprits.join("; ")}`);
      }
    }
  } finally {
    await page.setViewportSize(before);
    await page.emulateMedia({ colorScheme: "light" });
    await page.evaluate(() => {
      const walk = (root) => {
        for (const el of root.querySelectorAll(".e2e-no-transitions")) el.remove();
        for (const el of root.querySelectorAll("*")) if (el.shadowRoot) walk(el.shadowRoot);
      };
      walk(document);
    });
  }
  if (failures.length > 0) throw new Error(`serious or critical WCAG 2.1 A/AA violations:\n${failures.join("\n")}`);
}

// ---------- main ----------

let corsOrigin = "";

/** A 503 in the backend's shape, readable by the page (CORS, Retry-After exposed). */
function busy(code, message, retryAfter) {
  const headers = {
    "Access-Control-Allow-Origin": corsOrigin,
    "Access-Control-Allow-Credentials": "true",
    "Access-Control-Expose-Headers": "Retry-After",
  };
  if (retryAfter !== undefined) headers["Retry-After"] = String(retryAfter);
  return { status: 503, contentType: "application/json", headers, body: JSON.stringify({ error: code, message }) };
}

async function main() {
  const backendPort = await freePort();
  const frontendPort = await freePort();
  const frontendOrigin = `http://localhost:${frontendPort}`;
  corsOrigin = frontendOrigin;
  const backendURL = `http://localhost:${backendPort}`;
  log(`temp dir ${tmp}; frontend ${frontendOrigin}; backend ${backendURL}`);

  // 1. Binaries: the real backend and the stand-in Hanko.
  const backendBin = path.join(tmp, "hanko-gin");
  const fakeBin = path.join(tmp, "fakehanko");
  run("build backend", path.join(root, "scripts", "build.sh"), [backendBin], { cwd: root });
  run("build fakehanko", "go", ["build", "-o", fakeBin, "./e2e/fakehanko"], { cwd: root });
  const proxyBin = path.join(tmp, "openapiproxy");
  run("build openapiproxy", "go", ["build", "-o", proxyBin, "./e2e/openapiproxy"], { cwd: root });

  // The clock for the rest starts now.
  armTimer();

  // 2. Stand-in Hanko, which mints tokens for alice, bob and carol.
  const tokensFile = path.join(tmp, "hanko.json");
  const featureFlags = features.flatMap((f) => f.fakehankoArgs?.({ backendPort, frontendOrigin }) ?? []);
  const fake = start("fakehanko", fakeBin, ["-addr", "127.0.0.1:0", "-origin", frontendOrigin, "-out", tokensFile, ...featureFlags]);
  const hanko = await waitFor("fakehanko tokens", () => existsSync(tokensFile) && JSON.parse(readFileSync(tokensFile, "utf8")), 30_000, fake);
  const { alice, bob } = hanko.users;
  log(`stand-in Hanko at ${hanko.url}`);

  // 3. One frontend build for every environment: no URLs baked in; they come from /config.js,
  // written here the way nginx writes it in the image (frontend/nginx/default.conf.template).
  const distDir = path.join(tmp, "dist");
  const buildEnv = { ...process.env };
  for (const name of Object.keys(buildEnv)) if (name.startsWith("VITE_")) delete buildEnv[name];
  run("build frontend", path.join(frontendDir, "node_modules", ".bin", "vite"), ["build", "--outDir", distDir, "--emptyOutDir", "--logLevel", "warn"], {
    cwd: frontendDir,
    env: { ...buildEnv, VITE_HANKO_API_URL: "", VITE_API_URL: "" },
  });
  writeFileSync(
    path.join(distDir, "config.js"),
    `window.__HANKO_GIN_CONFIG__ = ${JSON.stringify({ apiUrl: backendURL, hankoApiUrl: hanko.url, authTransport: "cookie", hankoCookieName: "hanko" })};\n`,
  );

  // 4. The real backend, working dir in the temp dir so its SQLite file lands there.
  const backendEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME ?? tmp,
    HANKO_API_URL: hanko.url,
    PORT: String(backendPort),
    CORS_ALLOWED_ORIGINS: frontendOrigin,
    DATABASE_URL: `sqlite://${path.join(tmp, "todos.db")}`,
    LOG_LEVEL: "info",
    TODOS_MAX_PER_USER: String(TODO_CAP),
    ...Object.assign({}, ...features.map((f) => f.backendEnv?.({ hanko, backendPort, frontendOrigin }) ?? {})),
  };
  // e2e/openapiproxy takes the backend's PORT and runs it behind itself: every exchange with the
  // backend (browser, this script, the stand-in Hanko's webhooks) is checked against the OpenAPI
  // document; the verdict is the last check.
  const backend = start("backend", proxyBin, ["--", backendBin], { cwd: tmp, env: backendEnv });
  await waitFor("backend /readyz", async () => (await request(`http://127.0.0.1:${backendPort}/readyz`)).status === 200, 60_000, backend);
  log("backend ready");

  // 5. Serve the build.
  const preview = start(
    "vite-preview",
    path.join(frontendDir, "node_modules", ".bin", "vite"),
    ["preview", "--outDir", distDir, "--host", "localhost", "--port", String(frontendPort), "--strictPort"],
    // The CSP's connect-src, from the same runtime settings as /config.js (as nginx does).
    { cwd: frontendDir, env: { ...buildEnv, API_URL: backendURL, HANKO_API_URL: hanko.url } },
  );
  await waitFor("vite preview", async () => (await request(`${frontendOrigin}/`)).status === 200, 60_000, preview);
  log("frontend served");

  // 6. Chromium.
  const userDataDir = path.join(tmp, "chromium-profile");
  const launch = async () => {
    const ctx = await chromium.launchPersistentContext(mkdtempSync(`${userDataDir}-`), {
      executablePath: CHROMIUM,
      headless: true,
      // This script stops the browser itself on a signal (see the end of the file).
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
      viewport: DESKTOP,
      deviceScaleFactor: 1,
      colorScheme: "light",
      locale: "en-US",
      timezoneId: "UTC",
    });
    browserContexts.push(ctx);
    return ctx;
  };

  const api = (token) => ({
    get: (p) => request(`http://127.0.0.1:${backendPort}${p}`, { headers: { Authorization: `Bearer ${token}` } }),
    send: (method, p, body) =>
      request(`http://127.0.0.1:${backendPort}${p}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
  });
  /** Every todo of the token's user, newest first, following next_cursor. */
  const allTodos = async (token) => {
    const todos = [];
    let q = "?limit=200";
    for (let i = 0; i < 100; i += 1) {
      const res = await api(token).get(`/api/todos${q}`);
      assert(res.status === 200, `GET /api/todos${q}: ${res.status} ${res.text}`);
      todos.push(...res.json.todos);
      if (res.json.next_cursor === undefined) return todos;
      q = `?limit=200&cursor=${encodeURIComponent(res.json.next_cursor)}`;
    }
    throw new Error("GET /api/todos never reached a last page");
  };
  const sessionCookie = (token) => ({ name: "hanko", value: token, url: frontendOrigin, sameSite: "Lax" });
  /** A fresh browser profile with the token in the hanko cookie. */
  const openAs = async (token) => {
    const ctx = await launch();
    await watchCSP(ctx);
    await ctx.addCookies([sessionCookie(token)]);
    const p = ctx.pages()[0] ?? (await ctx.newPage());
    p.setDefaultTimeout(15_000);
    return { ctx, page: p };
  };

  /** Every Content-Security-Policy violation any page reports (event or console). */
  const cspViolations = [];
  const watchCSP = async (ctx) => {
    await ctx.exposeBinding("__reportCSP", (_source, text) => cspViolations.push(text));
    await ctx.addInitScript(() => {
      document.addEventListener("securitypolicyviolation", (e) => {
        window.__reportCSP(`${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sourceFile}:${e.lineNumber})`);
      }, true);
    });
    const watchPage = (p) => p.on("console", (msg) => {
      if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
    });
    ctx.pages().forEach(watchPage);
    ctx.on("page", watchPage);
  };

  const ctxA = await launch();
  const page = ctxA.pages()[0] ?? (await ctxA.newPage());
  page.setDefaultTimeout(15_000);
  currentPage = page;
  const consoleErrors = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") consoleErrors.push(msg.text());
  });
  page.on("pageerror", (err) => consoleErrors.push(`uncaught: ${err.stack ?? err}`.slice(0, 1500)));
  await watchCSP(ctxA);
  page.on("requestfailed", (req) => {
    // ERR_ABORTED: a request cut short by the test navigating away, not a failure.
    const reason = req.failure()?.errorText ?? "";
    if (!reason.includes("ERR_ABORTED")) consoleErrors.push(`request failed: ${req.method()} ${req.url()} ${reason}`);
  });
  await ctxA.addCookies([sessionCookie(alice.token)]);

  // The backend's database is new for every run, so plain titles are unique.
  const firstTitle = "Buy oat milk";
  const secondTitle = "Book the dentist";
  let firstId;

  await check("the app is served with a Content-Security-Policy, nosniff and a Referrer-Policy", async () => {
    for (const p of ["/", "/dashboard", "/config.js"]) {
      const res = await request(`${frontendOrigin}${p}`);
      const csp = res.headers["content-security-policy"] ?? "";
      for (const want of ["default-src 'self'", "script-src 'self'", `connect-src 'self' ${backendURL} ${hanko.url}`, "frame-ancestors 'none'", "base-uri 'none'", "object-src 'none'"]) {
        assert(csp.includes(want), `${p}: CSP lacks "${want}": ${csp}`);
      }
      assert(res.headers["x-content-type-options"] === "nosniff", `${p}: X-Content-Type-Options ${res.headers["x-content-type-options"]}`);
      assert(res.headers["referrer-policy"], `${p}: no Referrer-Policy`);
    }
  });

  await check("dashboard shows the token's email from /api/me (cross-origin, cookie)", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").filter({ hasText: alice.email }).waitFor();
    const userId = await page.getByTestId("me-user-id").textContent();
    assert(userId === alice.user_id, `user id on page ${userId} != ${alice.user_id}`);
    const header = await page.getByTestId("header-email").textContent();
    assert(header === alice.email, `header shows ${header}`);
    assert(new URL(page.url()).pathname === "/dashboard", `ended at ${page.url()}`);
  });

  await check("dashboard shows the answer of GET /api/protected", async () => {
    const direct = await api(alice.token).get("/api/protected");
    assert(direct.status === 200, `direct /api/protected ${direct.status}`);
    const text = await page.getByTestId("protected-message").textContent();
    assert(text === direct.json.message, `page shows "${text}", backend says "${direct.json.message}"`);
  });

  await check("CORS: backend allows the frontend origin with credentials, refuses others", async () => {
    const ok = await request(`http://127.0.0.1:${backendPort}/api/me`, {
      headers: { Origin: frontendOrigin, Cookie: `hanko=${alice.token}` },
    });
    assert(ok.status === 200, `/api/me with cookie from allowed origin: ${ok.status}`);
    assert(ok.headers["access-control-allow-origin"] === frontendOrigin, `ACAO ${ok.headers["access-control-allow-origin"]}`);
    assert(ok.headers["access-control-allow-credentials"] === "true", "no Access-Control-Allow-Credentials: true");
    const exposed = (ok.headers["access-control-expose-headers"] ?? "").toLowerCase();
    assert(exposed.includes("retry-after"), `Retry-After is not exposed to the page (Access-Control-Expose-Headers: ${exposed})`);
    const preflight = await request(`http://127.0.0.1:${backendPort}/api/todos`, {
      method: "OPTIONS",
      headers: { Origin: frontendOrigin, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "content-type" },
    });
    assert(preflight.status < 300, `preflight status ${preflight.status}`);
    assert(preflight.headers["access-control-allow-origin"] === frontendOrigin, "preflight without ACAO");
    const evil = "http://localhost:1";
    const other = await request(`http://127.0.0.1:${backendPort}/api/me`, { headers: { Origin: evil, Cookie: `hanko=${alice.token}` } });
    assert(other.headers["access-control-allow-origin"] === undefined, "a foreign origin got Access-Control-Allow-Origin");
    const csrf = await request(`http://127.0.0.1:${backendPort}/api/todos`, {
      method: "POST",
      headers: { Origin: evil, Cookie: `hanko=${alice.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ title: "csrf" }),
    });
    assert(csrf.status >= 400, `cookie POST from a foreign origin was accepted (${csrf.status})`);
    // And from inside the page, a credentialed cross-origin fetch is readable.
    const inPage = await page.evaluate(async (url) => {
      const res = await fetch(`${url}/api/me`, { credentials: "include" });
      return { status: res.status, body: await res.json() };
    }, backendURL);
    assert(inPage.status === 200 && inPage.body.user_id === alice.user_id, `in-page fetch: ${JSON.stringify(inPage)}`);
  });

  await check("a todo added in the UI appears, is stored by the backend and survives a reload", async () => {
    const input = page.getByPlaceholder("What needs doing?");
    await input.fill(firstTitle);
    await input.press("Enter");
    const row = page.locator("li.todo", { hasText: firstTitle });
    await row.waitFor();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    const stored = await api(alice.token).get("/api/todos");
    assert(stored.status === 200, `GET /api/todos ${stored.status}`);
    const todo = stored.json.todos.find((t) => t.title === firstTitle);
    assert(todo, `backend has no todo "${firstTitle}": ${stored.text}`);
    assert(todo.done === false, "new todo is already done");
    firstId = todo.id;
    await page.reload();
    await page.locator("li.todo", { hasText: firstTitle }).waitFor();
    assert((await input.inputValue()) === "", "input not cleared");
  });

  await check("toggle, rename and delete reach the backend", async () => {
    const input = page.getByPlaceholder("What needs doing?");
    await input.fill(secondTitle);
    await input.press("Enter");
    await page.locator("li.todo", { hasText: secondTitle }).waitFor();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });

    await page.getByRole("checkbox", { name: `Mark "${firstTitle}" as done` }).check();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    let todos = (await api(alice.token).get("/api/todos")).json.todos;
    assert(todos.find((t) => t.id === firstId)?.done === true, "toggle not stored");

    const renamed = `${firstTitle} (2 l)`;
    await page.getByRole("button", { name: `Rename "${firstTitle}"` }).click();
    const edit = page.getByRole("textbox", { name: `New title for "${firstTitle}"` });
    await edit.fill(renamed);
    await edit.press("Enter");
    await page.locator("li.todo", { hasText: renamed }).waitFor();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    todos = (await api(alice.token).get("/api/todos")).json.todos;
    assert(todos.find((t) => t.id === firstId)?.title === renamed, "rename not stored");

    await page.getByRole("button", { name: `Delete "${secondTitle}"` }).click();
    await page.locator("li.todo", { hasText: secondTitle }).waitFor({ state: "detached" });
    await waitFor("delete stored", async () => {
      const list = (await api(alice.token).get("/api/todos")).json.todos;
      return !list.some((t) => t.title === secondTitle);
    }, 10_000);

    // Back to the first title for the screenshot and the later checks.
    await page.getByRole("button", { name: `Rename "${renamed}"` }).click();
    const edit2 = page.getByRole("textbox", { name: `New title for "${renamed}"` });
    await edit2.fill(firstTitle);
    await edit2.press("Enter");
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
  });

  await check("a failed change is rolled back, says so, and Retry sends it again", async () => {
    const route = `${backendURL}/api/todos/${firstId}`;
    let refused = 0;
    await page.route(route, (r) => {
      if (r.request().method() === "PATCH" && refused === 0) {
        refused += 1;
        return r.fulfill(busy("auth_unavailable", "Hanko could not be reached.", 1));
      }
      return r.continue();
    });
    const box = page.locator("li.todo", { hasText: firstTitle }).getByRole("checkbox");
    const before = await box.isChecked();
    await box.click();
    const alert = page.getByRole("alert").filter({ hasText: "The change was not saved." });
    await alert.waitFor();
    assert((await box.isChecked()) === before, "the refused toggle was not rolled back");
    await axe(page);
    await alert.getByRole("button", { name: "Retry" }).click();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    await alert.waitFor({ state: "detached" });
    await page.unroute(route);
    let todos = (await api(alice.token).get("/api/todos")).json.todos;
    assert(todos.find((t) => t.id === firstId)?.done === !before, "Retry did not store the toggle");
    await box.click();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    todos = (await api(alice.token).get("/api/todos")).json.todos;
    assert(todos.find((t) => t.id === firstId)?.done === before, "toggle back not stored");
  });

  await check("a failed delete puts the todo back and the error can be dismissed", async () => {
    const route = `${backendURL}/api/todos/${firstId}`;
    await page.route(route, (r) => (r.request().method() === "DELETE" ? r.fulfill(busy("auth_unavailable", "Hanko could not be reached.")) : r.continue()));
    await page.getByRole("button", { name: `Delete "${firstTitle}"` }).click();
    await page.getByRole("alert").filter({ hasText: "The todo was not deleted." }).waitFor();
    await page.locator("li.todo", { hasText: firstTitle }).waitFor();
    await page.unroute(route);
    const todos = (await api(alice.token).get("/api/todos")).json.todos;
    assert(todos.some((t) => t.id === firstId), "todo vanished from the backend");
    await page.getByRole("button", { name: "Dismiss error" }).click();
  });

  await check("screenshot of the dashboard", async () => {
    // A few more todos so the screenshot shows a list in use.
    for (const [title, done] of [
      ["Try signing in with a passkey", true],
      ["Read how the backend verifies Hanko tokens", false],
    ]) {
      const res = await api(alice.token).send("POST", "/api/todos", { title });
      assert(res.status === 201, `POST /api/todos ${res.status}`);
      if (done) await api(alice.token).send("PATCH", `/api/todos/${res.json.id}`, { done: true });
    }
    await page.reload();
    await page.locator("li.todo", { hasText: "Try signing in with a passkey" }).waitFor();
    await page.getByTestId("protected-message").waitFor();
    await page.screenshot({ path: path.join(artifacts, "dashboard.png"), fullPage: true });
    // The same page on a phone-sized screen, for looking at the responsive layout.
    await page.setViewportSize(PHONE);
    await page.screenshot({ path: path.join(artifacts, "dashboard-mobile.png"), fullPage: true });
    await page.setViewportSize(DESKTOP);
  });

  await check("accessibility: the dashboard", () => axe(page));

  await check("Load more shows the next page: every todo once, newest first, as the backend lists them", async () => {
    // Enough todos for a second page, one short of the cap.
    const have = (await allTodos(alice.token)).length;
    for (let i = have; i < TODO_CAP - 1; i += 1) {
      const res = await api(alice.token).send("POST", "/api/todos", { title: `Paged todo ${String(i).padStart(2, "0")}` });
      assert(res.status === 201, `POST /api/todos ${res.status} ${res.text}`);
    }
    const expected = (await allTodos(alice.token)).map((t) => t.title);
    assert(expected.length === TODO_CAP - 1 && expected.length > PAGE_SIZE, `backend has ${expected.length} todos`);

    await page.reload();
    await page.locator("li.todo").nth(PAGE_SIZE - 1).waitFor();
    await page.getByText("more to load").waitFor();
    const firstPage = await page.getByTestId("todo-title").allTextContents();
    assert(JSON.stringify(firstPage) === JSON.stringify(expected.slice(0, PAGE_SIZE)), `first page shows ${JSON.stringify(firstPage)}`);

    await page.getByRole("button", { name: "Load more" }).click();
    await page.locator("li.todo").nth(expected.length - 1).waitFor();
    await page.locator(".todo-more").waitFor({ state: "detached" });
    const shown = await page.getByTestId("todo-title").allTextContents();
    assert(JSON.stringify(shown) === JSON.stringify(expected), `after Load more the page shows\n${JSON.stringify(shown)}\nthe backend has\n${JSON.stringify(expected)}`);
    assert((await page.getByText("more to load").count()) === 0, "still says there is more to load");
  });

  await check("at TODOS_MAX_PER_USER a new todo is taken back and the page names the limit", async () => {
    const input = page.getByPlaceholder("What needs doing?");
    await input.fill("The last one that fits");
    await input.press("Enter");
    await page.locator("li.todo", { hasText: "The last one that fits" }).waitFor();
    await page.locator("li.todo.pending").waitFor({ state: "detached" });
    assert((await allTodos(alice.token)).length === TODO_CAP, "the create up to the cap was not stored");

    await input.fill("One too many");
    await input.press("Enter");
    const notice = page.getByTestId("todo-limit");
    await notice.waitFor();
    const text = await notice.textContent();
    assert(text.includes("Todo limit reached.") && text.includes(`limit of ${TODO_CAP} todos`), `limit notice says: ${text}`);
    await page.locator("li.todo", { hasText: "One too many" }).waitFor({ state: "detached" });
    const stored = await allTodos(alice.token);
    assert(stored.length === TODO_CAP && !stored.some((t) => t.title === "One too many"), `backend has ${stored.length} todos`);
    await page.screenshot({ path: path.join(artifacts, "dashboard-limit.png") });

    // A delete frees a slot, and the notice goes.
    await page.getByRole("button", { name: 'Delete "The last one that fits"' }).click();
    await notice.waitFor({ state: "detached" });
    await waitFor("delete stored", async () => (await allTodos(alice.token)).length === TODO_CAP - 1, 10_000);
  });

  await check("after sign-in a 503 keeps the layout, a banner says so, and the page recovers by itself", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").waitFor();
    await page.route(`${backendURL}/api/me`, (r) => r.fulfill(busy("auth_unavailable", "Signing keys are not available.", 2)));
    // The guard asks /api/me on every navigation.
    await page.getByRole("link", { name: "Profile" }).click();
    const banner = page.getByRole("status").filter({ has: page.getByTestId("fault-banner") });
    await banner.waitFor();
    const text = await banner.textContent();
    assert(text.includes("could not check your sign-in") && text.includes("Trying again in 2 seconds"), `banner says: ${text}`);
    assert(await page.getByRole("button", { name: "Log out" }).isVisible(), "the header (Log out) is gone");
    assert(new URL(page.url()).pathname === "/profile", `redirected to ${page.url()}`);
    await page.screenshot({ path: path.join(artifacts, "profile-503.png"), fullPage: true });
    await axe(page, { screenshot: "profile-503" });
    await page.unroute(`${backendURL}/api/me`);
    // No click: the retry after Retry-After clears the banner.
    await banner.waitFor({ state: "detached", timeout: 8000 });
    await page.getByTestId("hanko-user-id").waitFor();
  });

  await check("a 503 on the first load waits calmly and recovers without a click", async () => {
    let refused = 0;
    await page.route(`${backendURL}/api/me`, (r) => {
      refused += 1;
      return refused <= 2 ? r.fulfill(busy("not_ready", "The server is starting.", 1)) : r.continue();
    });
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("fault-banner").filter({ hasText: "The server is starting up." }).waitFor();
    await page.screenshot({ path: path.join(artifacts, "dashboard-503-first-load.png"), fullPage: true });
    await axe(page);
    await page.getByTestId("me-email").filter({ hasText: alice.email }).waitFor({ timeout: 8000 });
    assert(refused >= 3, `asked /api/me ${refused} times`);
    await page.unroute(`${backendURL}/api/me`);
  });

  await check("an unreachable server keeps the layout and says so; Retry now recovers", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").waitFor();
    await page.route(`${backendURL}/api/**`, (r) => r.abort("connectionrefused"));
    await page.getByRole("link", { name: "Profile" }).click();
    const banner = page.getByTestId("fault-banner").filter({ hasText: "The server cannot be reached." });
    await banner.waitFor();
    assert(await page.getByRole("button", { name: "Log out" }).isVisible(), "the header (Log out) is gone");
    await page.screenshot({ path: path.join(artifacts, "profile-unreachable.png"), fullPage: true });
    await page.unroute(`${backendURL}/api/**`);
    await banner.getByRole("button", { name: "Retry now" }).click();
    await banner.waitFor({ state: "detached" });
  });

  await check("every page has its own title, and the heading takes the focus after a navigation", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").waitFor();
    assert((await page.title()) === "Dashboard · Hanko × Gin", `title ${await page.title()}`);
    await page.getByRole("link", { name: "Profile" }).click();
    await page.getByRole("heading", { level: 1, name: "Profile" }).waitFor();
    await waitFor("focus on the heading", () => page.evaluate(() => document.activeElement?.tagName === "H1"), 5000);
    assert((await page.title()) === "Profile · Hanko × Gin", `title ${await page.title()}`);
  });

  await check("an unknown path shows a not-found page", async () => {
    await page.goto(`${frontendOrigin}/no/such/page`);
    await page.getByRole("heading", { level: 1, name: "Page not found" }).waitFor();
    assert((await page.title()) === "Page not found · Hanko × Gin", `title ${await page.title()}`);
    await axe(page, { screenshot: "not-found" });
    await page.getByRole("link", { name: "Go to the dashboard" }).click();
    await page.getByTestId("me-email").waitFor();
  });

  await check("the profile page shows hanko.getCurrentUser() and <hanko-profile>", async () => {
    await page.getByRole("link", { name: "Profile" }).click();
    await page.waitForURL(`${frontendOrigin}/profile`);
    await page.locator("hanko-profile").waitFor({ state: "attached" });
    await page.getByTestId("hanko-user-id").filter({ hasText: alice.user_id }).waitFor();
    // hanko-profile ran Hanko's profile flow against the stand-in and lists the email.
    await page.locator("hanko-profile").getByText(alice.email).first().waitFor();
    await page.screenshot({ path: path.join(artifacts, "profile.png"), fullPage: true });
  });

  await check("accessibility: the profile page", () => axe(page, { screenshot: "profile" }));

  await check("onSessionExpired opens the 'session expired' dialog, which leads to login", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").waitFor();
    await page.evaluate(() => document.dispatchEvent(new CustomEvent("hanko-session-expired", { detail: null })));
    const dialog = page.getByRole("dialog", { name: "Your session expired" });
    await dialog.waitFor();
    await axe(page);
    await dialog.getByRole("button", { name: "Sign in again" }).click();
    await page.waitForURL(`${frontendOrigin}/`);
    await page.getByText("Your session expired. Sign in again").waitFor();
    await page.locator("hanko-auth input[type=email]").waitFor();
    await axe(page);
  });

  await check("log out calls Hanko, clears the cookie and returns to login", async () => {
    await page.goto(`${frontendOrigin}/dashboard`);
    await page.getByTestId("me-email").waitFor();
    await page.getByRole("button", { name: "Log out" }).click();
    await page.waitForURL(`${frontendOrigin}/`);
    await page.getByText("You are signed out").waitFor();
    const cookies = await ctxA.cookies(frontendOrigin);
    assert(!cookies.some((c) => c.name === "hanko" && c.value), `hanko cookie still set: ${JSON.stringify(cookies)}`);
    const me = await page.evaluate(async (url) => (await fetch(`${url}/api/me`, { credentials: "include" })).status, backendURL);
    assert(me === 401, `/api/me after logout: ${me}`);
  });

  // A second user in a fresh browser profile.
  const ctxB = await launch();
  await watchCSP(ctxB);
  const pageB = ctxB.pages()[0] ?? (await ctxB.newPage());
  pageB.setDefaultTimeout(15_000);
  currentPage = pageB;
  await ctxB.addCookies([sessionCookie(bob.token)]);

  await check("a second user does not see the first user's todo", async () => {
    await pageB.goto(`${frontendOrigin}/dashboard`);
    await pageB.getByTestId("me-email").filter({ hasText: bob.email }).waitFor();
    await pageB.getByText("No todos yet.").waitFor();
    assert((await pageB.locator("li.todo", { hasText: firstTitle }).count()) === 0, "bob sees alice's todo");
    const bobs = await api(bob.token).get("/api/todos");
    assert(bobs.status === 200 && !bobs.json.todos.some((t) => t.id === firstId), `bob's list: ${bobs.text}`);
    const steal = await api(bob.token).send("PATCH", `/api/todos/${firstId}`, { done: false });
    assert(steal.status === 404, `bob changing alice's todo: ${steal.status}`);
    assert((await allTodos(alice.token)).some((t) => t.id === firstId), "alice's todo is gone");
  });

  await check("removing the cookie sends the user to the login page, which renders <hanko-auth>", async () => {
    await ctxB.clearCookies();
    await pageB.goto(`${frontendOrigin}/dashboard`);
    await pageB.waitForURL(`${frontendOrigin}/`);
    await pageB.getByText("Please sign in to continue.").waitFor();
    await pageB.locator("hanko-auth").waitFor({ state: "attached" });
    // hanko-elements talked to the stand-in Hanko (CORS) and shows its email form.
    await pageB.locator("hanko-auth input[type=email]").waitFor();
    await pageB.screenshot({ path: path.join(artifacts, "login.png") });
  });

  await check("accessibility: the login page", () => axe(pageB, { screenshot: "login" }));

  await check("signing in returns to the page the user came from", async () => {
    await ctxB.clearCookies();
    await pageB.goto(`${frontendOrigin}/profile`);
    await pageB.waitForURL(`${frontendOrigin}/`);
    await pageB.getByText("Please sign in to continue.").waitFor();
    await pageB.locator("hanko-auth input[type=email]").waitFor();
    // Hanko sets the cookie and hanko-elements announces the new session.
    await ctxB.addCookies([sessionCookie(bob.token)]);
    await pageB.evaluate(() => document.dispatchEvent(new CustomEvent("hanko-session-created", { detail: {} })));
    await pageB.waitForURL(`${frontendOrigin}/profile`);
    await pageB.getByTestId("hanko-user-id").waitFor();
    await ctxB.clearCookies();
    await pageB.goto(`${frontendOrigin}/`);
    await pageB.locator("hanko-auth input[type=email]").waitFor();
  });

  await check("the login page explains in plain words when Hanko cannot be reached", async () => {
    // Hanko "down": every request to it fails.
    await pageB.route(`${hanko.url}/**`, (r) => r.abort("connectionrefused"));
    await pageB.evaluate(() => window.localStorage.clear());
    await pageB.reload();
    const alert = pageB.getByRole("alert").filter({ hasText: "Sign-in is not available right now" });
    await alert.waitFor();
    const text = await alert.textContent();
    // A production build: plain words and Retry for end users, no developer hints.
    assert(text.includes("cannot be reached") && !text.includes(hanko.url) && !text.includes("CORS"), `alert is not in plain words: ${text}`);
    await alert.getByRole("button", { name: "Retry" }).waitFor();
    await pageB.screenshot({ path: path.join(artifacts, "login-hanko-down.png") });
    await axe(pageB);
    await pageB.unroute(`${hanko.url}/**`);
  });

  // What the features' checks get: the helpers and the running setup.
  const t = {
    ...{ check, assert, request, sleep, waitFor, tail, axe, artifacts },
    ...{ launch, openAs, api, sessionCookie, frontendOrigin, backendURL, backendPort, backend, hanko },
    /** The page whose screen is saved when a check fails. */
    showOnFailure: (p) => {
      currentPage = p;
    },
  };
  for (const feature of features) {
    log(`feature: ${feature.name}`);
    await feature.run(t);
  }

  await check("no Content-Security-Policy violations on any page", async () => {
    assert(cspViolations.length === 0, `CSP violations:\n${[...new Set(cspViolations)].join("\n")}`);
  });

  await check("no unexpected console errors on the happy path", async () => {
    // Deliberate failures above (503s, 401 after logout) log network errors; anything else is a bug.
    const unexpected = consoleErrors.filter((t) => !/status of (401|503)|Failed to load resource|request failed: .* net::ERR_CONNECTION_REFUSED/.test(t));
    assert(unexpected.length === 0, unexpected.join("\n"));
  });

  await check("every request to the backend and every answer matched the OpenAPI document (e2e/openapiproxy)", async () => {
    const verdict = await request(`http://127.0.0.1:${backendPort}/_openapiproxy/verdict`);
    assert(verdict.status === 200, verdict.json?.report ?? `${verdict.status} ${verdict.text}`);
    log(verdict.json.report);
  });
}

let exitCode = 1;
let timer;
function armTimer() {
  timer = setTimeout(() => {
    console.log(`[e2e] gave up after ${OVERALL_TIMEOUT_MS / 1000}s (after the builds)`);
    void closeBrowsers()
      .then(cleanup)
      .finally(() => process.exit(1));
  }, OVERALL_TIMEOUT_MS);
}

let interrupted = false;

async function closeBrowsers() {
  const contexts = browserContexts;
  browserContexts = [];
  await Promise.race([Promise.all(contexts.map((ctx) => ctx.close().catch(() => undefined))), sleep(5000)]);
}

let cleaning;
/** Stops everything and removes the temp dir; every caller waits for the same run. */
function cleanup() {
  cleaning ??= (async () => {
    await stopAll();
    if ((failed > 0 && !interrupted) || process.env.KEEP_E2E_TMP) {
      log(`kept ${tmp} (logs: ${children.map((c) => path.basename(c.logFile)).join(", ")})`);
    } else {
      rmSync(tmp, { recursive: true, force: true });
    }
  })();
  return cleaning;
}

for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => {
    log(`got ${sig}, stopping`);
    interrupted = true;
    void closeBrowsers()
      .then(cleanup)
      .finally(() => process.exit(130));
  });
}
process.on("exit", killAllNow);

try {
  await main();
  exitCode = failed === 0 && passed > 0 ? 0 : 1;
} catch (err) {
  console.log(`[e2e] setup failed: ${err?.stack ?? err}`);
  failed += 1;
} finally {
  await closeBrowsers();
  clearTimeout(timer);
  for (const child of children) {
    if (child.exited === undefined && failed > 0) log(`${child.name} log tail:\n${tail(child.logFile, 15)}`);
  }
  await cleanup();
  console.log(`e2e: ${passed} passed, ${failed} failed`);
}
process.exit(interrupted ? 130 : failed === 0 && passed > 0 ? 0 : exitCode);
