// What the browser tests share: finding the built binary, running it, serving a database on a
// free port and stopping it, and launching Debian's chromium with no background traffic.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repo = resolve(here, '../..');
export const artifacts = join(repo, 'tests/artifacts');
export const dist = process.env.WANGGE_WEB ?? join(repo, 'web/dist');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** The built `wangge`: $WANGGE_BIN, then $CARGO_TARGET_DIR, then the Makefile's build cache. */
export function binary() {
  const candidates = [
    process.env.WANGGE_BIN,
    process.env.CARGO_TARGET_DIR && join(process.env.CARGO_TARGET_DIR, 'debug/wangge'),
    // The Makefile's build cache first: a stale target/ in the checkout must not win.
    join(homedir(), '.cache/wangge/target/debug/wangge'),
    join(repo, 'target/debug/wangge'),
  ].filter(Boolean);
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`no wangge binary (tried ${candidates.join(', ')}): run cargo build --bin wangge`);
  return found;
}

export function freePort() {
  return new Promise((ok, fail) => {
    const s = net.createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/** Runs `wangge ARGS…` to completion with `input` on stdin; resolves with its standard output. */
export function run(args, input) {
  return new Promise((ok, fail) => {
    const p = spawn(binary(), args, { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => (out += d));
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code) =>
      code === 0 ? ok(out) : fail(new Error(`wangge ${args.join(' ')} exited with ${code}:\n${out}${err}`)),
    );
    p.stdin.end(input ?? '');
  });
}

/**
 * Starts `wangge ARGS… --addr 127.0.0.1:PORT` on a free port and waits until /health answers.
 * Resolves with `{ child, base, log() }`.
 */
export async function startWangge(args, { timeoutMs = 60_000 } = {}) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = '';
  const child = spawn(binary(), [...args, '--addr', `127.0.0.1:${port}`], {
    cwd: repo,
    env: { ...process.env, WANGGE_WEB: dist, RUST_LOG: process.env.RUST_LOG ?? 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const url = `${base}/health`;
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wangge exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > end) throw new Error(`wangge did not answer ${url} within ${timeoutMs} ms:\n${log}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, base, log: () => log };
}

/** Stops a server started by `startWangge`: SIGTERM, and SIGKILL after 5 s. */
export async function stopWangge(server) {
  const child = server?.child;
  if (!child || child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      r();
    }, 5000);
    child.once('exit', () => {
      clearTimeout(timer);
      r();
    });
  });
}

/** Debian's chromium, headless, with no background traffic (nothing beyond 127.0.0.1 exists). */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
    ],
  });
}

/** The password every user the browser tests add has. */
export const PASSWORD = 'browser test password';

/** Adds a user to the database at `db` (`chief` for a patrol user, `displayName` optional). */
export async function addUser(db, name, role, { chief, displayName } = {}) {
  const args = ['user', 'add', '--db', db, '--name', name, '--role', role, '--password-stdin'];
  if (chief != null) args.push('--chief', String(chief));
  if (displayName) args.push('--display-name', displayName);
  await run(args, `${PASSWORD}\n`);
}

/**
 * Signs `username` in at `base`: the session cookie goes into the browser `context` (when given),
 * and the answer's token is returned for the test's own requests (`authorization: Bearer …`).
 */
export async function signIn(base, username, context) {
  const body = JSON.stringify({ username, password: PASSWORD });
  if (context) {
    const res = await context.request.post(`${base}/api/session`, { data: body, headers: { 'content-type': 'application/json' } });
    if (!res.ok()) throw new Error(`signing ${username} in: ${res.status()} ${await res.text()}`);
    return (await res.json()).token;
  }
  const res = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  if (!res.ok) throw new Error(`signing ${username} in: ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

/** `fetch` with a bearer token. */
export function fetchAs(token, url, options = {}) {
  return fetch(url, { ...options, headers: { ...(options.headers ?? {}), authorization: `Bearer ${token}` } });
}
