// The leaders' dashboard in Debian's Chromium: its figures are the server's, a bar drills down,
// the trail goes back up, an inspection recorded from the patrol view moves the compound's due
// date and the dashboard's count, and a suggested tier is confirmed from the dashboard.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, addUser, artifacts, dist, fetchAs, launchBrowser, run, signIn, startWangge, stopWangge } from './harness.mjs';

const PASSWORD = 'secret-pass';
let server;
let base;
let workDir;
let browser;
let page;
let chief; // { id, name } of the patrol user
/** Bearer tokens: the planner the dashboard is signed in as, and an administrator who records
 * inspections anywhere. */
let token;
let adminToken;
const foreignRequests = [];
const pageErrors = [];

async function getJson(path) {
  const res = await fetchAs(token, `${base}${path}`);
  assert.equal(res.status, 200, `GET ${path} answered ${res.status}`);
  return res.json();
}

/** The resident chief with the most buildings in compounds, from the demo's duties CSV. */
function busiestChief(csv) {
  const [head, ...lines] = csv.trim().split('\n');
  const cols = head.split(',');
  const at = (name) => cols.indexOf(name);
  const counts = new Map();
  for (const line of lines) {
    const f = line.split(',');
    if (f[at('kind')] !== 'building' || f[at('level')] !== 'resident' || !f[at('compound')]) continue;
    const c = counts.get(f[at('chief_id')]) ?? { id: f[at('chief_id')], name: f[at('chief_name')], n: 0 };
    c.n++;
    counts.set(c.id, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0];
}

const kpi = (key) => page.$eval(`[data-kpi="${key}"] .kpi-value`, (e) => Number(e.textContent.replace(/[^0-9]/g, '')));
const thisWeek = () =>
  page.$eval('#work-trend g.week:last-of-type', (g) => ({
    inspections: Number(g.dataset.inspections),
    problems: Number(g.dataset.problems),
  }));

before(async () => {
  assert.ok(existsSync(join(dist, 'dashboard.html')), `${dist}/dashboard.html is missing: npm run build --prefix web`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing`);
  workDir = mkdtempSync(join(tmpdir(), 'wangge-dashboard-'));
  const db = join(workDir, 'demo.gpkg');
  await run(['demo', '--db', db, '--no-serve']);
  chief = busiestChief(await run(['export', '--db', db, '--layer', 'duties', '-']));
  await run(['user', 'add', '--db', db, '--name', 'patrol1', '--role', 'patrol', '--chief', chief.id, '--password-stdin'], `${PASSWORD}\n`);
  await addUser(db, 'wangzhuren', 'planner', { displayName: '王主任' });
  await addUser(db, 'admin1', 'admin');
  server = await startWangge(['serve', '--db', db]);
  base = server.base;
  adminToken = await signIn(base, 'admin1');
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  token = await signIn(base, 'wangzhuren', context);
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (['http:', 'https:'].includes(url.protocol) && url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
  });
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  await page.goto(`${base}/dashboard.html`, { waitUntil: 'domcontentloaded' });
  await page.locator('#zone-name').waitFor({ timeout: 20_000 });
  mkdirSync(artifacts, { recursive: true });
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the dashboard shows the main zone with the server’s figures, in Chinese', { timeout: 60_000 }, async () => {
  const api = await getJson('/api/dashboard');
  assert.equal((await page.locator('#zone-name').innerText()).trim(), api.zone.name);
  for (const tier of ['red', 'yellow', 'green']) assert.equal(await kpi(tier), api.tiers[tier], tier);
  assert.equal(await kpi('compounds'), api.tiers.red + api.tiers.yellow + api.tiers.green);
  assert.equal(await kpi('overdue'), api.overdue.total);
  assert.equal(await kpi('open'), api.problems.open);
  const bars = await page.$$eval('#tiers-by-zone g.bar', (gs) => gs.map((g) => g.dataset.code));
  assert.deepEqual(bars, api.children.map((c) => c.code));
  assert.equal(await page.$$eval('#tier-trend g.week', (gs) => gs.length), 12);
  assert.match(await page.locator('#tiers-by-zone h2').innerText(), /[\u4e00-\u9fff]/);
  writeFileSync(join(artifacts, 'dashboard.png'), await page.screenshot({ fullPage: true }));
});

test('clicking a zone’s bar drills down and the trail goes back up', { timeout: 60_000 }, async () => {
  const top = await getJson('/api/dashboard');
  const child = top.children[0];
  await page.click(`#tiers-by-zone g.bar[data-code="${child.code}"] text.bar-label`);
  await page.locator('#zone-name', { hasText: child.name }).waitFor({ timeout: 10_000 });
  const api = await getJson(`/api/dashboard?zone=${encodeURIComponent(child.code)}`);
  assert.equal(await kpi('compounds'), api.tiers.red + api.tiers.yellow + api.tiers.green);
  assert.equal(await kpi('compounds'), child.tiers.red + child.tiers.yellow + child.tiers.green);
  await page.click('#dash-trail a');
  await page.locator('#zone-name', { hasText: top.zone.name }).waitFor({ timeout: 10_000 });
});

test('an inspection recorded in the patrol view moves the due date and the dashboard count', { timeout: 120_000 }, async () => {
  const before = await thisWeek();
  // A phone, signed in as the street chief.
  const phone = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'zh-CN', isMobile: true, hasTouch: true });
  const patrol = await phone.newPage();
  patrol.on('pageerror', (e) => pageErrors.push(`patrol: ${e.message}`));
  await patrol.goto(`${base}/patrol.html`, { waitUntil: 'domcontentloaded' });
  await patrol.fill('#username', 'patrol1');
  await patrol.fill('#password', PASSWORD);
  await patrol.click('#signin-button');
  const item = patrol.locator('#compounds li[data-code]').first();
  await item.waitFor({ timeout: 20_000 });
  const code = await item.getAttribute('data-code');
  const due = async () => (await getJson(`/api/compounds/${encodeURIComponent(code)}/inspections`)).due.next_due;
  const dueBefore = await due();
  await item.locator('.p-inspect').click();
  await patrol.locator('#inspect-form').waitFor({ state: 'visible', timeout: 10_000 });
  await patrol.check('input[name="sanitation"][value="ok"]');
  await patrol.check('input[name="public_order"][value="ok"]');
  await patrol.click('#inspect-submit');
  await patrol.locator('#inspect-form').waitFor({ state: 'hidden', timeout: 10_000 });
  const dueAfter = await due();
  assert.ok(dueAfter > dueBefore, `the due date did not move: ${dueBefore} → ${dueAfter}`);
  await patrol.locator(`#compounds li[data-code="${code}"][data-next-due="${dueAfter}"]`).waitFor({ timeout: 10_000 });
  await phone.close();

  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator('#zone-name').waitFor({ timeout: 20_000 });
  const after = await thisWeek();
  assert.equal(after.inspections, before.inspections + 1, 'this week’s inspections did not count the new one');
});

test('a suggested tier is confirmed from the dashboard and leaves the list', { timeout: 60_000 }, async () => {
  const { compounds } = await getJson('/api/due');
  const target = compounds.find((c) => c.tier !== 'red');
  const res = await fetchAs(adminToken, `${base}/api/compounds/${encodeURIComponent(target.code)}/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inspector: '李网格', role: 'grid_worker', findings: { rentals: { ok: false, note: '群租' } }, suggested_tier: 'red' }),
  });
  assert.equal(res.status, 201);
  await page.reload({ waitUntil: 'domcontentloaded' });
  const row = page.locator(`#suggestions tr[data-code="${target.code}"]`);
  await row.waitFor({ timeout: 20_000 });
  const redBefore = await kpi('red');
  // The planner confirms as themselves: the name is shown, not typed.
  assert.match(await page.locator('#confirm-by').innerText(), /王主任/);
  await row.locator('button.confirm').click();
  await row.waitFor({ state: 'detached', timeout: 10_000 });
  assert.equal(await kpi('red'), redBefore + 1);
  const history = await getJson(`/api/compounds/${encodeURIComponent(target.code)}/history`);
  const last = history.history.at(-1);
  assert.equal(last.to, 'red');
  assert.equal(last.by, '王主任');
});

test('a rental found in a red compound is flagged on the dashboard', { timeout: 60_000 }, async () => {
  const { compounds } = await getJson('/api/due');
  const red = compounds.find((c) => c.tier === 'red');
  const res = await fetchAs(adminToken, `${base}/api/compounds/${encodeURIComponent(red.code)}/inspections`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ inspector: '李网格', role: 'grid_worker', findings: { rentals: { ok: false, note: '3 户违规出租' } } }),
  });
  assert.equal(res.status, 201);
  assert.equal((await res.json()).prohibited_rental, true);
  const before = await kpi('rentals');
  await page.reload({ waitUntil: 'domcontentloaded' });
  await page.locator(`#prohibited-rentals tr[data-code="${red.code}"]`, { hasText: '3 户违规出租' }).waitFor({ timeout: 20_000 });
  assert.ok((await kpi('rentals')) >= 1);
  assert.ok((await kpi('rentals')) >= before);
});

test('the English switch translates the dashboard', { timeout: 30_000 }, async () => {
  await page.click('#lang');
  await page.locator('#tiers-by-zone h2', { hasText: 'Tiers by zone' }).waitFor({ timeout: 5_000 });
  await page.click('#lang');
  await page.locator('#tiers-by-zone h2', { hasText: '各区域分色' }).waitFor({ timeout: 5_000 });
});

test('the page runs without errors and requests nothing from outside 127.0.0.1', () => {
  assert.deepEqual(pageErrors, []);
  assert.deepEqual(foreignRequests, []);
});
