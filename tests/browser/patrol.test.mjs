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

import { CHROMIUM, addUser, artifacts, dist, fetchAs, launchBrowser, run, signIn, startWangge, stopWangge } from './harness.mjs';
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
  await addUser(db, 'planner1', 'planner', { displayName: '测试规划员' });
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

/** JSON of a GET with the page's own session cookie. */
const api = async (path) => {
  const res = await page.request.get(`${base}${path}`);
  assert.equal(res.status(), 200, `GET ${path} answered ${res.status()}`);
  return res.json();
};

/** The heights of the elements matching `sel` that are shown. */
const heights = (sel) =>
  page.$$eval(sel, (els) => els.filter((e) => e.offsetParent !== null).map((e) => Math.round(e.getBoundingClientRect().height)));

test('every compound shows its next due date, as GET /api/due reports it', { timeout: 30_000 }, async () => {
  await page.locator('#compounds li[data-code][data-next-due]').first().waitFor({ timeout: 15_000 });
  const items = await page.$$eval('#compounds li[data-code]', (els) =>
    els.map((e) => ({ code: e.dataset.code, due: e.dataset.nextDue, overdue: e.dataset.overdue, text: e.innerText })),
  );
  const area = await api('/api/me/area');
  const due = await api(`/api/due?zone=${area.chief.community}`);
  const byCode = new Map(due.compounds.map((d) => [d.code, d]));
  for (const item of items) {
    const d = byCode.get(item.code) ?? (await api(`/api/compounds/${item.code}/inspections`)).due;
    assert.equal(item.due, d.next_due, `${item.code}: shown ${item.due}, server ${d.next_due}`);
    assert.equal(item.overdue, String(d.overdue));
    assert.ok(item.text.includes(d.next_due), `${item.code}: the date is not visible: ${item.text}`);
  }
  const buttons = await heights('#compounds button.p-inspect');
  assert.equal(buttons.length, items.length, 'a compound has no 巡查登记 button');
  assert.ok(buttons.every((h) => h >= 44), `small 巡查登记 buttons: ${buttons}`);
});

test('巡查登记: rentals found with a note moves the next due date later', { timeout: 60_000 }, async (t) => {
  const item = page.locator('#compounds li[data-code]').first();
  const code = await item.getAttribute('data-code');
  const before = await item.getAttribute('data-next-due');
  const listBefore = await api(`/api/compounds/${code}/inspections`);
  assert.equal(before, listBefore.due.next_due);

  await item.locator('button.p-inspect', { hasText: '巡查登记' }).click();
  const form = page.locator('#inspect-form');
  await form.waitFor({ state: 'visible', timeout: 5_000 });
  assert.ok((await page.inputValue('#inspect-inspector')).trim(), 'no default inspector');
  assert.equal(await page.inputValue('#inspect-role'), 'chief');
  const roles = await page.$$eval('#inspect-role option', (os) => os.map((o) => o.value));
  assert.deepEqual(roles.sort(), ['chief', 'community_police', 'floating_population_officer', 'grid_worker']);
  for (const topic of ['rentals', 'sanitation', 'public_order', 'fire_safety', 'epidemic']) {
    assert.equal(await page.locator(`input[name="${topic}"][value="ok"]`).count(), 1, topic);
    assert.equal(await page.locator(`input[name="${topic}"][value="problem"]`).count(), 1, topic);
    assert.equal(await page.locator(`#inspect-note-${topic}`).isVisible(), false, `${topic}: the note shows before 有问题`);
  }
  const choices = await heights('#inspect-form .p-choice');
  assert.ok(choices.length === 10 && choices.every((h) => h >= 44), `radio targets: ${choices}`);

  const note = `3 栋群租 2 户 ${Date.now()}`;
  await page.locator('input[name="rentals"][value="problem"]').check();
  await page.locator('#inspect-note-rentals').waitFor({ state: 'visible', timeout: 5_000 });
  await page.fill('#inspect-note-rentals', note);
  await page.locator('input[name="sanitation"][value="ok"]').check();
  await page.selectOption('#inspect-tier', 'red');
  await noHorizontalScroll('inspection form open');
  writeFileSync(join(artifacts, 'patrol-inspect.png'), await page.screenshot());
  await page.click('#inspect-submit');
  await form.waitFor({ state: 'hidden', timeout: 10_000 });
  await page.locator('#notice', { hasText: '已登记' }).waitFor({ timeout: 5_000 });
  await page.waitForFunction(
    ([c, b]) => document.querySelector(`#compounds li[data-code="${c}"]`)?.dataset.nextDue !== b,
    [code, before],
    { timeout: 10_000 },
  );

  const listAfter = await api(`/api/compounds/${code}/inspections`);
  const shown = await page.locator(`#compounds li[data-code="${code}"]`).getAttribute('data-next-due');
  assert.equal(shown, listAfter.due.next_due);
  assert.ok(shown > before, `next due ${shown} is not later than ${before}`);
  assert.ok((await page.locator(`#compounds li[data-code="${code}"]`).innerText()).includes(shown));
  assert.equal(listAfter.inspections.length, listBefore.inspections.length + 1);
  const last = listAfter.inspections.at(-1);
  assert.equal(last.findings.rentals.ok, false);
  assert.equal(last.findings.rentals.note, note);
  assert.equal(last.findings.sanitation.ok, true);
  assert.equal(last.findings.fire_safety, null);
  assert.equal(last.role, 'chief');
  assert.equal(last.suggested_tier, 'red');
  t.diagnostic(`${code}: next due ${before} → ${shown}`);
});

test('巡查登记 with a photo: a large picture is scaled to 1600 px JPEG, stored, and shown as a thumbnail', { timeout: 60_000 }, async (t) => {
  // A 2400 × 1200 PNG drawn in a canvas, written to a file as a phone's gallery would hold it.
  const dataUrl = await page.evaluate(() => {
    const canvas = document.createElement('canvas');
    canvas.width = 2400;
    canvas.height = 1200;
    const g = canvas.getContext('2d');
    const gradient = g.createLinearGradient(0, 0, 2400, 1200);
    gradient.addColorStop(0, '#c62828');
    gradient.addColorStop(1, '#1565c0');
    g.fillStyle = gradient;
    g.fillRect(0, 0, 2400, 1200);
    g.fillStyle = '#fff';
    g.font = '200px sans-serif';
    g.fillText('巡查 photo', 300, 700);
    return canvas.toDataURL('image/png');
  });
  const file = join(workDir, 'inspection-photo.png');
  writeFileSync(file, Buffer.from(dataUrl.split(',')[1], 'base64'));

  const items = page.locator('#compounds li[data-code]');
  const item = (await items.count()) > 1 ? items.nth(1) : items.first();
  const code = await item.getAttribute('data-code');
  const count = (await api(`/api/compounds/${code}/inspections`)).inspections.length;
  await item.locator('button.p-inspect').click();
  const form = page.locator('#inspect-form');
  await form.waitFor({ state: 'visible', timeout: 5_000 });
  const input = page.locator('#inspect-photo');
  assert.equal(await input.getAttribute('type'), 'file');
  assert.equal(await input.getAttribute('accept'), 'image/*');
  assert.equal(await input.getAttribute('capture'), 'environment');
  assert.equal(await page.locator('#inspect-photo-box').isVisible(), false, 'a preview before any photo');
  await page.locator('input[name="fire_safety"][value="ok"]').check();
  await input.setInputFiles(file);
  await page.locator('#inspect-photo-preview').waitFor({ state: 'visible', timeout: 5_000 });
  await page.waitForFunction(() => document.querySelector('#inspect-photo-preview')?.naturalWidth === 2400, null, { timeout: 5_000 });
  await noHorizontalScroll('inspection form with a photo');
  writeFileSync(join(artifacts, 'patrol-inspect-photo.png'), await page.screenshot());
  await page.click('#inspect-submit');
  await form.waitFor({ state: 'hidden', timeout: 15_000 });
  await page.locator('#notice', { hasText: '已登记' }).waitFor({ timeout: 5_000 });

  const list = await api(`/api/compounds/${code}/inspections`);
  assert.equal(list.inspections.length, count + 1);
  const last = list.inspections.at(-1);
  assert.equal(last.has_photo, true);
  assert.match(last.photo_url ?? '', /^\/api\/inspections\/\d+\/photo$/);
  assert.equal(last.findings.fire_safety.ok, true);
  const res = await page.request.get(`${base}${last.photo_url}`);
  assert.equal(res.status(), 200);
  const bytes = await res.body();
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const png = bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  assert.ok(jpeg || png, `the stored photo is not an image: ${bytes.subarray(0, 8).toString('hex')}`);
  // 2400 px is over the limit, so the browser sent a JPEG scaled to 1600 px on the long side.
  assert.ok(jpeg, 'a large photo was not re-encoded as JPEG');
  assert.equal(res.headers()['content-type'], 'image/jpeg');
  assert.equal(res.headers()['cache-control'], 'private, max-age=86400');
  assert.ok(bytes.length < 5 * 1024 * 1024);

  // The compound's list item shows the photo as a thumbnail linking to it.
  const thumb = page.locator(`#compounds li[data-code="${code}"] a.p-photo-thumb`);
  await thumb.waitFor({ timeout: 10_000 });
  assert.equal(await thumb.getAttribute('href'), last.photo_url.slice(1));
  await page.waitForFunction(
    (c) => document.querySelector(`#compounds li[data-code="${c}"] a.p-photo-thumb img`)?.naturalWidth > 0,
    code,
    { timeout: 10_000 },
  );
  const size = await thumb.locator('img').evaluate((img) => [img.naturalWidth, img.naturalHeight]);
  assert.deepEqual(size, [1600, 800]);
  t.diagnostic(`${code}: photo ${bytes.length} bytes, ${size.join(' × ')}`);
  await noHorizontalScroll('compound list with a photo');
});

test('a red compound: the rental rule is shown, and an empty form is refused in Chinese', { timeout: 90_000 }, async () => {
  // make the chief's last compound red (as a planner would), then reload the view; the chief
  // may not change a tier themselves
  const code = await page.locator('#compounds li[data-code]').last().getAttribute('data-code');
  const tier = { tier: 'red', reason: '浏览器测试：发现群租' };
  const own = await page.request.post(`${base}/api/compounds/${code}/tier`, { data: tier });
  assert.equal(own.status(), 403, 'a street chief changed a tier');
  const planner = await signIn(base, 'planner1');
  const res = await fetchAs(planner, `${base}/api/compounds/${code}/tier`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(tier),
  });
  assert.ok(res.ok, `setting ${code} red answered ${res.status}`);
  await page.reload({ waitUntil: 'domcontentloaded' });
  const item = page.locator(`#compounds li[data-code="${code}"][data-tier="red"][data-next-due]`);
  await item.waitFor({ timeout: 15_000 });
  const count = (await api(`/api/compounds/${code}/inspections`)).inspections.length;

  await item.locator('button.p-inspect').click();
  await page.locator('#inspect-form').waitFor({ state: 'visible', timeout: 5_000 });
  assert.match(await page.locator('#inspect-red').innerText(), /不得出租/);
  assert.equal(await page.locator('#inspect-rental-alert').isVisible(), false);

  // nothing answered: refused before anything is sent
  await page.click('#inspect-submit');
  const error = page.locator('#inspect-error');
  await error.waitFor({ state: 'visible', timeout: 5_000 });
  assert.match(await error.innerText(), /请至少选择一项巡查结果/);
  assert.ok(await page.locator('#inspect-form').isVisible(), 'the form closed on a refusal');
  assert.equal((await api(`/api/compounds/${code}/inspections`)).inspections.length, count, 'an empty inspection was stored');

  // a rental in a red compound is called out at once
  await page.locator('input[name="rentals"][value="problem"]').check();
  await page.locator('#inspect-rental-alert', { hasText: '违规出租' }).waitFor({ timeout: 5_000 });
  assert.equal(await error.isVisible(), false, 'the old error stays after an answer');
  await noHorizontalScroll('red inspection form');
  await page.click('#inspect-cancel');
  await page.locator('#inspect-form').waitFor({ state: 'hidden', timeout: 5_000 });
});

test('上报问题 at the map centre: routed to this chief, listed in 我的问题, accepted', { timeout: 90_000 }, async (t) => {
  await page.context().clearPermissions();
  await page.evaluate(() => window.__patrol.ready());
  // centre the map on one of the chief's own buildings (a stop of the round is inside it)
  const area = await api('/api/me/area');
  const stop = area.round.find((s) => s.kind === 'building');
  assert.ok(stop, 'the chief has no building on the round');
  await page.evaluate(([lon, lat]) => window.__patrol.map.jumpTo({ center: [lon, lat], zoom: 18 }), [stop.lon, stop.lat]);

  await page.click('#report-problem');
  await page.locator('#problem-form').waitFor({ state: 'visible', timeout: 5_000 });
  const where = page.locator('#problem-where');
  assert.equal(await where.getAttribute('data-source'), 'centre');
  assert.match(await where.innerText(), /地图中心/);
  const categories = await page.$$eval('#problem-category option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(categories.includes('sanitation') && categories.length === 10, `categories: ${categories}`);
  await noHorizontalScroll('problem form open');

  // refused without a category or a description
  await page.click('#problem-submit');
  await page.locator('#problem-error', { hasText: '请选择问题类别' }).waitFor({ timeout: 5_000 });

  const text = `楼道堆放杂物 ${Date.now()}`;
  await page.selectOption('#problem-category', 'sanitation');
  await page.fill('#problem-text', text);
  assert.equal(await page.locator('#problem-error').isVisible(), false, 'the refusal stays after the answer');
  writeFileSync(join(artifacts, 'patrol-problem.png'), await page.screenshot());
  await page.click('#problem-submit');
  await page.locator('#problem-form').waitFor({ state: 'hidden', timeout: 10_000 });
  const routing = page.locator('#problem-routing');
  await routing.waitFor({ state: 'visible', timeout: 10_000 });
  const id = Number(await routing.getAttribute('data-id'));
  assert.ok(id > 0);
  const routed = await routing.innerText();
  assert.ok(routed.includes(area.chief.name), `the routing does not name the chief: ${routed}`);
  assert.ok(routed.includes(area.chief.community_name), `the routing does not name the community: ${routed}`);
  assert.match(routed, /网格/);
  assert.doesNotMatch(routed, /null|undefined/);

  const item = page.locator(`#problems li[data-id="${id}"]`);
  await item.waitFor({ timeout: 10_000 });
  assert.equal(await item.getAttribute('data-state'), 'reported');
  assert.ok((await item.innerText()).includes(text));
  assert.match(await item.innerText(), /已上报/);
  assert.match(await item.innerText(), /时限/);
  const mine = await api(`/api/problems?chief=${area.chief.id}`);
  const p = mine.problems.find((x) => x.id === id);
  assert.ok(p, `problem ${id} is not routed to chief ${area.chief.id}`);
  assert.equal(p.source, 'patrol');
  assert.equal(p.category, 'sanitation');
  assert.equal(p.description, text);
  assert.ok(Math.abs(p.lon - stop.lon) < 1e-6 && Math.abs(p.lat - stop.lat) < 1e-6, `reported at ${p.lon},${p.lat}, not the centre`);
  // the open list is the server's
  const open = await api(`/api/problems?chief=${area.chief.id}&open=true`);
  const listed = await page.$$eval('#problems li[data-id]', (els) => els.map((e) => Number(e.dataset.id)));
  assert.deepEqual(listed, open.problems.map((x) => x.id));
  const stepButtons = await heights('#problems button.p-step');
  assert.ok(stepButtons.every((h) => h >= 44), `small step buttons: ${stepButtons}`);

  // 受理
  await item.locator('button[data-action="accept"]').click();
  await page.locator(`#problems li[data-id="${id}"][data-state="accepted"]`).waitFor({ timeout: 10_000 });
  assert.match(await item.innerText(), /已受理/);
  assert.equal((await api(`/api/problems/${id}`)).state, 'accepted');

  // someone else starts it meanwhile: the page's 开始处置 is refused with the server's 409, shown
  const other = await page.request.post(`${base}/api/problems/${id}/steps`, { data: { action: 'start', by: '网格员' } });
  assert.equal(other.status(), 201);
  await item.locator('button[data-action="start"]').click();
  await page.locator(`#problems li[data-id="${id}"] .p-problem-error`, { hasText: '已被他人更改' }).waitFor({ timeout: 10_000 });
  assert.equal(await page.locator(`#problems li[data-id="${id}"]`).getAttribute('data-state'), 'in_progress');
  await noHorizontalScroll('problem list');
  await item.scrollIntoViewIfNeeded();
  writeFileSync(join(artifacts, 'patrol-problems.png'), await page.screenshot());
  t.diagnostic(`problem ${id} routed to ${p.routing.chief?.name}, ${p.routing.grid?.name}, ${p.routing.community?.name}`);
});

test('在地图上选点: a tap on the map sets the place and a marker shows it', { timeout: 30_000 }, async () => {
  await page.click('#report-problem');
  await page.locator('#problem-form').waitFor({ state: 'visible', timeout: 5_000 });
  await page.click('#problem-pick');
  await page.locator('#pick-bar').waitFor({ state: 'visible', timeout: 5_000 });
  assert.equal(await page.locator('#problem-form').isVisible(), false);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.6);
  await page.locator('#problem-form').waitFor({ state: 'visible', timeout: 5_000 });
  assert.equal(await page.locator('#problem-where').getAttribute('data-source'), 'map');
  assert.match(await page.locator('#problem-where').innerText(), /地图上选定的点/);
  assert.equal(await page.locator('.p-marker').count(), 1);
  await page.click('#problem-cancel');
  await page.locator('#problem-form').waitFor({ state: 'hidden', timeout: 5_000 });
  assert.equal(await page.locator('.p-marker').count(), 0);
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
