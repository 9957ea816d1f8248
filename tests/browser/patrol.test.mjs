// The patrol view (巡查视图) in headless Chromium at phone size, against the real server on the
// demo sub-district with a patrol user for one resident street chief.
//
// Needs: the built binary (`cargo build --bin wangge`; $WANGGE_BIN overrides), the built front end
// (`npm ci --prefix web && npm run build --prefix web`), Debian's chromium and fonts-noto-cjk.
// Writes tests/artifacts/patrol.png (and patrol-signin.png) for a person to look at.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, artifacts, dist, launchBrowser, run, startWangge, stopWangge } from './harness.mjs';
const VIEWPORT = { width: 360, height: 740 };
const PASSWORD = 'secret-pass';

let server;
let base;
let workDir;
let browser;
let page;
let chiefs; // [{ id, name }] of the two patrol users: 'patrol1' and 'patrol2'
const foreignRequests = [];
let requestCount = 0;
const tileRequests = [];
const pageErrors = [];
const consoleLog = [];





/**
 * Two resident chiefs with buildings inside compounds, from the demo's duties CSV (duties are per
 * building and street; a chief's compounds are those of their buildings), most such buildings first.
 */
function residentChiefs(csv) {
  const [head, ...lines] = csv.trim().split('\n');
  const cols = head.split(',');
  const at = (name) => cols.indexOf(name);
  const counts = new Map();
  for (const line of lines) {
    const f = line.split(',');
    if (f[at('kind')] !== 'building' || f[at('level')] !== 'resident' || !f[at('compound')] || !f[at('chief_id')]) continue;
    const id = f[at('chief_id')];
    const c = counts.get(id) ?? { id, name: f[at('chief_name')], n: 0 };
    c.n++;
    counts.set(id, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n).slice(0, 2);
}

/** The compound codes of a chief's area, as the server gives them to that chief's session. */
async function areaCodes(username) {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: PASSWORD }),
  });
  assert.equal(res.status, 200, `signing in ${username} answered ${res.status}`);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const area = await (await fetch(`${base}/api/me/area`, { headers: { cookie } })).json();
  await fetch(`${base}/api/session`, { method: 'DELETE', headers: { cookie } });
  return new Set(area.compounds.map((c) => c.code));
}

before(async () => {
  assert.ok(existsSync(join(dist, 'patrol.html')), `${dist}/patrol.html is missing: npm run build --prefix web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  workDir = mkdtempSync(join(tmpdir(), 'wangge-patrol-'));
  const db = join(workDir, 'demo.gpkg');
  await run(['demo', '--db', db, '--no-serve']);
  chiefs = residentChiefs(await run(['export', '--db', db, '--layer', 'duties', '-']));
  assert.equal(chiefs.length, 2, 'the demo has fewer than two resident chiefs with compounds');
  for (const [i, chief] of chiefs.entries()) {
    await run(
      ['user', 'add', '--db', db, '--name', `patrol${i + 1}`, '--role', 'patrol', '--chief', chief.id, '--password-stdin'],
      `${PASSWORD}\n`,
    );
  }
  server = await startWangge(['serve', '--db', db]);
  base = server.base;

  browser = await launchBrowser();
  const context = await browser.newContext({
    viewport: VIEWPORT,
    deviceScaleFactor: 1,
    locale: 'zh-CN',
    isMobile: true,
    hasTouch: true,
  });
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // data:, blob:
    requestCount++;
    if (url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
    if (url.pathname.startsWith('/tiles/')) tileRequests.push(url.pathname);
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
  await page.goto(`${base}/patrol.html`, { waitUntil: 'domcontentloaded' });
  mkdirSync(artifacts, { recursive: true });
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const noHorizontalScroll = async (where) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= VIEWPORT.width, `${where}: the page is ${width} px wide at a ${VIEWPORT.width} px viewport`);
};

test('signed out, the sign-in form is shown with large touch targets', { timeout: 30_000 }, async () => {
  await page.locator('#signin-form').waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await page.locator('#area').isVisible(), false);
  assert.equal((await page.locator('#signin-button').innerText()).trim(), '登录');
  for (const sel of ['#username', '#password', '#signin-button']) {
    const box = await page.locator(sel).boundingBox();
    assert.ok(box.height >= 44, `${sel} is ${box.height} px tall`);
  }
  await noHorizontalScroll('sign-in form');
  writeFileSync(join(artifacts, 'patrol-signin.png'), await page.screenshot());
});

test('a wrong password shows an error in Chinese and stays on the form', { timeout: 30_000 }, async () => {
  await page.fill('#username', 'patrol1');
  await page.fill('#password', 'not-the-password');
  await page.click('#signin-button');
  await page.locator('#signin-error').waitFor({ state: 'visible', timeout: 10_000 });
  const text = await page.locator('#signin-error').innerText();
  assert.match(text, /[\u4e00-\u9fff]/, `the error is not in Chinese: ${text}`);
  assert.ok(await page.locator('#signin-form').isVisible());
  assert.equal(await page.locator('#area').isVisible(), false);
});

test("the right password shows the chief's own area", { timeout: 90_000 }, async (t) => {
  await page.fill('#password', PASSWORD);
  await page.click('#signin-button');
  await page.locator('#area').waitFor({ state: 'visible', timeout: 15_000 });
  await page.locator('#chief-name', { hasText: chiefs[0].name }).waitFor({ timeout: 10_000 });
  await page.evaluate(() => window.__patrol.ready());
  assert.deepEqual(await page.evaluate(() => window.__patrol.errors), [], 'the map reported errors');

  // the listed compounds are exactly the server's, fetched with the page's own cookie
  const res = await page.request.get(`${base}/api/me/area`);
  assert.equal(res.status(), 200);
  const area = await res.json();
  const expected = new Set(area.compounds.map((c) => c.code));
  assert.ok(expected.size > 0, 'the chief has no compounds');
  const listed = await page.$$eval('#compounds li[data-code]', (els) => els.map((e) => e.dataset.code));
  assert.equal(listed.length, new Set(listed).size, 'a compound is listed twice');
  assert.deepEqual(new Set(listed), expected);
  // red first
  const tiers = await page.$$eval('#compounds li[data-code]', (els) => els.map((e) => e.dataset.tier));
  const rank = { red: 0, yellow: 1, green: 2 };
  assert.deepEqual(tiers, [...tiers].sort((a, b) => rank[a] - rank[b]), `compounds not red first: ${tiers}`);
  // the map is drawn from the chief's own patrol tiles: every compound on it is theirs, and no
  // tile of the whole district's compounds or buildings is asked for
  const drawn = await page.evaluate(() => [
    ...new Set(window.__patrol.map.queryRenderedFeatures({ layers: ['compounds-fill'] }).map((f) => f.properties.code)),
  ]);
  assert.ok(drawn.length > 0, 'no compound drawn on the map');
  for (const code of drawn) assert.ok(expected.has(code), `${code} is on the map but not the chief's`);
  assert.ok(tileRequests.some((p) => p.startsWith('/tiles/patrol/')), `no patrol tile requested: ${tileRequests.slice(0, 5)}`);
  const wide = tileRequests.filter((p) => /^\/tiles\/(all|compounds|buildings|zones)\//.test(p));
  assert.deepEqual(wide, [], 'the patrol view asked for district-wide tiles');
  // another chief's area is a different set
  const other = await areaCodes('patrol2');
  assert.ok(other.size > 0);
  assert.notDeepEqual(other, expected, "another chief's compounds are the same set");

  // the round, in order
  const stops = await page.$$eval('#round li.p-stop', (els) => els.length);
  assert.equal(stops, area.round.length);
  assert.equal((await page.locator('#round-title').innerText()).trim(), '今日巡查路线');
  t.diagnostic(`${chiefs[0].name}: ${expected.size} compounds, ${stops} stops; other chief ${other.size}`);

  await noHorizontalScroll('area view');
  writeFileSync(join(artifacts, 'patrol.png'), await page.screenshot());
});

test("today's tasks equal the API's, and 已走访 moves a task's due date off today's list", { timeout: 60_000 }, async (t) => {
  await page.locator('#tasks li').first().waitFor({ timeout: 15_000 });
  const fetchTasks = async () => {
    const res = await page.request.get(`${base}/api/me/tasks`);
    assert.equal(res.status(), 200);
    return res.json();
  };
  const list = await fetchTasks();
  const dueToday = list.tasks.filter((task) => task.due <= list.date);
  assert.ok(dueToday.length > 0, 'the demo chief has no visit tasks today');
  const shown = await page.$$eval('#tasks li.p-task', (els) => els.map((e) => e.dataset.target));
  assert.deepEqual(shown, dueToday.map((task) => task.target));
  assert.equal((await page.locator('#tasks-title').innerText()).trim(), `今日任务（${dueToday.length} 项）`);
  // every 已走访 button is a large touch target
  const sizes = await page.$$eval('#tasks button.p-visit', (els) => els.map((e) => e.getBoundingClientRect().height));
  assert.ok(sizes.every((h) => h >= 44), `small 已走访 buttons: ${sizes}`);

  const first = dueToday[0];
  const item = page.locator(`#tasks li[data-target="${first.target}"]`);
  await item.locator('button', { hasText: '已走访' }).click();
  await item.waitFor({ state: 'detached', timeout: 10_000 });
  const after = await fetchTasks();
  const moved = after.tasks.find((task) => task.target === first.target);
  assert.ok(moved, `${first.target} left the chief's list`);
  assert.ok(moved.due > after.date, `${first.target} is still due ${moved.due}`);
  assert.ok(moved.due > first.due);
  assert.ok(moved.last_visit, 'the visit is not the last visit');
  const shownAfter = await page.$$eval('#tasks li.p-task', (els) => els.map((e) => e.dataset.target));
  assert.deepEqual(shownAfter, after.tasks.filter((task) => task.due <= after.date).map((task) => task.target));
  assert.ok(!shownAfter.includes(first.target));
  t.diagnostic(`${dueToday.length} tasks today; ${first.target} now due ${moved.due}`);
  await noHorizontalScroll('task list');
});

test('reloading keeps the session and skips the form', { timeout: 60_000 }, async () => {
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator('#chief-name', { hasText: chiefs[0].name }).waitFor({ timeout: 15_000 });
  assert.equal(await page.locator('#signin').isVisible(), false);
  await page.evaluate(() => window.__patrol.ready());
});

test('the English switch and back', { timeout: 30_000 }, async () => {
  await page.click('#lang');
  await page.locator('#round-title', { hasText: "Today's patrol round" }).waitFor({ timeout: 5_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  await noHorizontalScroll('English');
  await page.click('#lang');
  await page.locator('#round-title', { hasText: '今日巡查路线' }).waitFor({ timeout: 5_000 });
});

test('refused location gives a clear message', { timeout: 30_000 }, async () => {
  await page.context().clearPermissions();
  await page.click('#locate');
  await page.locator('#locate-msg', { hasText: '未获得定位权限' }).waitFor({ timeout: 20_000 });
});

test('signing out returns to the form', { timeout: 30_000 }, async () => {
  await page.click('#signout');
  await page.locator('#signin-form').waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await page.locator('#area').isVisible(), false);
  const res = await page.request.get(`${base}/api/me/area`);
  assert.equal(res.status(), 401, 'the session is still open after signing out');
});

test('the page runs without errors and requests nothing from outside 127.0.0.1', () => {
  assert.deepEqual(pageErrors, [], `uncaught errors in the page\nconsole:\n${consoleLog.slice(-20).join('\n')}`);
  assert.ok(requestCount > 10, `only ${requestCount} requests seen`);
  assert.deepEqual(foreignRequests, [], 'requests to other hosts');
});
