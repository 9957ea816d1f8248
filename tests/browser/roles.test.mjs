// The three views signed in as the three roles, in Debian's Chromium: a leader reads the coloured
// map but changes nothing and is refused the planner view; a planner works in the planner view; a
// street chief (patrol) sees their own area and gets 403 for anyone else's — in the API and in the
// tiles. Nobody signed in sees a sign-in dialog and no data; a password is changed from the badge.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, PASSWORD, addUser, artifacts, dist, fetchAs, launchBrowser, run, signIn, startWangge, stopWangge } from './harness.mjs';

let server;
let base;
let workDir;
let browser;
let adminToken;
/** Two resident chiefs with compounds: [0] is the patrol user, [1] someone else. */
const chiefs = [];
const pageErrors = [];

async function getJson(path, token = adminToken) {
  const res = await fetchAs(token, `${base}${path}`);
  assert.equal(res.status, 200, `GET ${path} answered ${res.status}`);
  return res.json();
}

/** A new browser context (its own cookies) and page. */
async function fresh(viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, locale: 'zh-CN' });
  const page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  return { context, page };
}

/** Signs in through the dialog the page shows. */
async function dialogSignIn(page, username, password = PASSWORD) {
  await page.locator('#signin-dialog').waitFor({ timeout: 20_000 });
  await page.fill('#signin-username', username);
  await page.fill('#signin-password', password);
  await page.click('#signin-submit');
}

/** Status of a request made by the page itself (with its cookie). */
function pageStatus(page, path, init) {
  return page.evaluate(([p, i]) => fetch(p, i).then((r) => r.status), [path, init ?? {}]);
}

before(async () => {
  assert.ok(existsSync(join(dist, 'index.html')), `${dist}/index.html is missing: npm run build --prefix web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing`);
  workDir = mkdtempSync(join(tmpdir(), 'wangge-roles-'));
  const db = join(workDir, 'demo.gpkg');
  await run(['demo', '--db', db, '--no-serve']);
  await addUser(db, 'admin1', 'admin');
  await addUser(db, 'leader1', 'leader', { displayName: '李书记' });
  await addUser(db, 'planner1', 'planner', { displayName: '张规划' });
  await addUser(db, 'viewer1', 'viewer');
  server = await startWangge(['serve', '--db', db]);
  base = server.base;
  adminToken = await signIn(base, 'admin1');
  const roster = await getJson('/api/chiefs?level=resident');
  for (const c of roster.chiefs) {
    const area = await getJson(`/api/chiefs/${c.id}`);
    if (area.compounds.length) chiefs.push({ id: c.id, name: c.name, codes: area.compounds.map((x) => x.code) });
    if (chiefs.length === 2) break;
  }
  assert.equal(chiefs.length, 2, 'the demo has two resident chiefs with compounds');
  await addUser(db, 'patrol1', 'patrol', { chief: chiefs[0].id });
  browser = await launchBrowser();
  mkdirSync(artifacts, { recursive: true });
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('nobody signed in gets a sign-in dialog and no data', { timeout: 60_000 }, async () => {
  const res = await fetch(`${base}/api/compounds`);
  assert.equal(res.status, 401);
  assert.equal((await fetch(`${base}/tiles/compounds/14/13000/7000.mvt`)).status, 401);
  const { context, page } = await fresh();
  try {
    const tiles = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/tiles/')) tiles.push(r.url());
    });
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await page.locator('#signin-dialog').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#signin-title').innerText(), '登录网格化管理系统');
    // A wrong password is answered in the dialog, which stays.
    await dialogSignIn(page, 'leader1', 'not the password');
    await page.locator('#signin-error', { hasText: 'wrong username or password' }).waitFor({ timeout: 10_000 });
    assert.ok(await page.locator('#signin-dialog').isVisible());
    assert.deepEqual(tiles, [], 'tiles were asked for before anyone signed in');
    writeFileSync(join(artifacts, 'signin.png'), await page.screenshot());
  } finally {
    await context.close();
  }
});

test('a leader reads the coloured map, changes nothing, and is refused the planner view', { timeout: 90_000 }, async () => {
  const { context, page } = await fresh();
  try {
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await dialogSignIn(page, 'leader1');
    await page.waitForFunction(() => window.__wangge?.ready, null, { timeout: 30_000 });
    await page.evaluate(() => window.__wangge.ready.then(() => true));
    assert.match(await page.locator('#user-name').innerText(), /李书记 · 领导/);
    const code = chiefs[1].codes[0];
    assert.equal(await pageStatus(page, `api/compounds/${encodeURIComponent(code)}`), 200, 'a leader reads any compound');
    assert.equal(await pageStatus(page, 'tiles/compounds.json'), 200);
    const tier = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tier: 'red', reason: '领导试改' }) };
    assert.equal(await pageStatus(page, `api/compounds/${encodeURIComponent(code)}/tier`, tier), 403, 'a leader changed a tier');
    // The planner view refuses a leader, and says so.
    await page.goto(`${base}/planner.html`, { waitUntil: 'domcontentloaded' });
    await page.locator('#signin-refused', { hasText: '李书记（领导）不能使用此页面' }).waitFor({ timeout: 20_000 });
    writeFileSync(join(artifacts, 'roles-leader-refused.png'), await page.screenshot());
  } finally {
    await context.close();
  }
});

test('a planner signs in to the planner view as themselves', { timeout: 90_000 }, async () => {
  const { context, page } = await fresh();
  try {
    await page.goto(`${base}/planner.html`, { waitUntil: 'domcontentloaded' });
    await dialogSignIn(page, 'planner1');
    await page.waitForFunction(() => window.__wangge?.ready, null, { timeout: 30_000 });
    await page.evaluate(() => window.__wangge.ready.then(() => true));
    assert.equal(await page.locator('#user').inputValue(), '张规划');
    assert.match(await page.locator('#user-name').innerText(), /张规划 · 规划员/);
    // Signing out ends the session: the next request is refused.
    await page.click('#signout-button');
    await page.locator('#signin-dialog').waitFor({ timeout: 20_000 });
    assert.equal(await pageStatus(page, 'api/plans'), 401);
  } finally {
    await context.close();
  }
});

test('a street chief sees their own area and nothing of another chief’s', { timeout: 90_000 }, async () => {
  const { context, page } = await fresh({ width: 360, height: 740 });
  try {
    const tiles = [];
    page.on('response', (r) => {
      const url = new URL(r.url());
      if (url.pathname.startsWith('/tiles/')) tiles.push({ path: url.pathname, status: r.status() });
    });
    const ownTile = page.waitForResponse((r) => new URL(r.url()).pathname.startsWith('/tiles/patrol/'), { timeout: 30_000 });
    await page.goto(`${base}/patrol.html`, { waitUntil: 'domcontentloaded' });
    await page.fill('#username', 'patrol1');
    await page.fill('#password', PASSWORD);
    await page.click('#signin-button');
    await page.locator('#compounds li[data-code]').first().waitFor({ timeout: 30_000 });
    const mine = chiefs[0];
    const other = chiefs[1];
    const own = encodeURIComponent(mine.codes[0]);
    const theirs = encodeURIComponent(other.codes[0]);
    assert.equal(await pageStatus(page, `api/compounds/${own}`), 200);
    assert.equal(await pageStatus(page, `api/compounds/${theirs}`), 403);
    assert.equal(await pageStatus(page, `api/compounds/${theirs}/inspections`), 403);
    assert.equal(await pageStatus(page, `api/chiefs/${other.id}`), 403);
    assert.equal(await pageStatus(page, `api/chiefs/${other.id}/tasks`), 403);
    const inspect = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inspector: '街长', role: 'chief', findings: {} }) };
    assert.equal(await pageStatus(page, `api/compounds/${theirs}/inspections`, inspect), 403);
    assert.equal(await pageStatus(page, 'api/dashboard'), 403);
    // The tiles: the own patrol layer, never another's nor the whole district's.
    assert.equal((await ownTile).status(), 200);
    assert.ok(tiles.some((t) => t.path.startsWith('/tiles/patrol/') && t.status === 200), `no own patrol tile: ${JSON.stringify(tiles.slice(0, 5))}`);
    assert.ok(!tiles.some((t) => /^\/tiles\/(compounds|buildings|all|chiefs|zones)\//.test(t.path)), 'a district-wide tile was asked for');
    assert.equal(await pageStatus(page, 'tiles/compounds/14/13000/7000.mvt'), 403);
    assert.equal(await pageStatus(page, `tiles/patrol/14/13000/7000.mvt?chief=${other.id}`), 403);
    // What the API lists for them is their own.
    const listed = await page.evaluate(() => fetch('api/compounds?limit=1000').then((r) => r.json()));
    assert.deepEqual(new Set(listed.features.map((f) => f.properties.code)), new Set(mine.codes));
    // The leader view refuses a street chief and points to the patrol view.
    await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
    await page.locator('#signin-refused').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#signin-dialog a[href="./patrol.html"]').count(), 1);
  } finally {
    await context.close();
  }
});

test('a password is changed from the badge, and the old one stops working', { timeout: 90_000 }, async () => {
  const { context, page } = await fresh();
  try {
    await page.goto(`${base}/dashboard.html`, { waitUntil: 'domcontentloaded' });
    await dialogSignIn(page, 'viewer1');
    await page.locator('#zone-name').waitFor({ timeout: 20_000 });
    // A viewer reads the dashboard but confirms nothing.
    assert.match(await page.locator('#user-name').innerText(), /只读/);
    await page.click('#password-button');
    await page.fill('#password-current', 'wrong password');
    await page.fill('#password-new', 'a new password 2026');
    await page.click('#password-save');
    await page.locator('#password-message', { hasText: 'current password is wrong' }).waitFor({ timeout: 10_000 });
    await page.fill('#password-current', PASSWORD);
    await page.click('#password-save');
    await page.locator('#password-message', { hasText: '密码已修改' }).waitFor({ timeout: 10_000 });
    const old = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer1', password: PASSWORD }) });
    assert.equal(old.status, 401);
    const next = await fetch(`${base}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'viewer1', password: 'a new password 2026' }) });
    assert.equal(next.status, 200);
  } finally {
    await context.close();
  }
});

test('a leader reads the audit log, filters it and exports it; a planner is refused', { timeout: 90_000 }, async () => {
  const { context, page } = await fresh();
  try {
    await page.goto(`${base}/dashboard.html`, { waitUntil: 'domcontentloaded' });
    await dialogSignIn(page, 'leader1');
    await page.locator('#zone-name').waitFor({ timeout: 20_000 });
    assert.equal(await page.locator('#to-audit').isVisible(), true, 'the dashboard links the audit log for a leader');
    await page.click('#to-audit');
    await page.locator('#audit tbody tr').first().waitFor({ timeout: 20_000 });
    // The sign-ins of this test run are there, newest first, named by who signed in.
    const actions = await page.$$eval('#audit tbody tr', (rows) => rows.map((r) => r.dataset.action));
    assert.ok(actions.includes('sign_in'), `no sign-in in ${actions}`);
    assert.ok(actions.includes('sign_in_failed'), 'the wrong password of the first test is not there');
    await page.selectOption('#f-action', 'password');
    await page.click('#f-apply');
    await page.waitForFunction(() => [...document.querySelectorAll('#audit tbody tr')].every((r) => r.dataset.action === 'password'));
    const rows = await page.locator('#audit tbody tr').count();
    assert.ok(rows >= 1, 'the password change is not in the log');
    assert.match(await page.locator('#audit tbody tr').first().innerText(), /viewer1/);
    const href = await page.locator('#export').getAttribute('href');
    assert.match(href, /format=csv/);
    assert.match(href, /action=password/);
    const csv = await page.evaluate((h) => fetch(h).then((r) => r.text()), href);
    assert.equal(csv.split('\n')[0].trim(), 'id,at,at_ms,actor,action,action_zh,target,summary,before,after');
    assert.equal(csv.trim().split('\n').length, rows + 1, 'the export holds what the page shows');
    writeFileSync(join(artifacts, 'audit.png'), await page.screenshot());
  } finally {
    await context.close();
  }
  const planner = await fresh();
  try {
    await planner.page.goto(`${base}/audit.html`, { waitUntil: 'domcontentloaded' });
    await dialogSignIn(planner.page, 'planner1');
    await planner.page.locator('#signin-refused').waitFor({ timeout: 20_000 });
  } finally {
    await planner.context.close();
  }
});

test('no page error in any view', () => {
  assert.deepEqual(pageErrors, []);
});
