// The planner view (规划视图) in headless Chromium, against the real server on the demo sub-district:
// create a draft, pick a community and the secondary level, paint a place into a neighbouring
// grid and see the balance table change, undo, paint again, publish, and check through the API
// that the live zones changed; then compare, a stale-version conflict, the English switch.
//
// Needs: the built binary (`cargo build --bin wangge`; $WANGGE_BIN overrides), the built front end
// (`npm ci --prefix web && npm run build --prefix web`), Debian's chromium and fonts-noto-cjk.
// Writes tests/artifacts/planner*.png for a person to look at.
// Run: `node --test tests/browser/planner.test.mjs` (or `npm run test:planner --prefix tests/browser`).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, addUser, artifacts, dist, launchBrowser, run, signIn, startWangge, stopWangge } from './harness.mjs';
const VIEWPORT = { width: 1280, height: 860 };
const PLANNER = '测试规划员';
/** Another planner, who edits the same draft through the API. */
const OTHER = '另一位规划员';
const PLAN_NAME = '浏览器测试方案';
/** How far inside a grid, in degrees (about 2 m), the painted place lies from its boundary. */
const STEP = 2e-5;
/** Compounds farther than this (degrees, about 120 m) from the place are not painted with it. */
const NEAR = 1.2e-3;
/** At most this many trial edits (on a scratch draft, through the API) to find a stroke. */
const MAX_PROBES = 150;

let server;
let base;
let workDir;
let browser;
let page;
/** Bearer tokens of the planner the page is signed in as, and of the other planner. */
let token;
let otherToken;
const foreignRequests = [];
let requestCount = 0;
const pageErrors = [];
const consoleLog = [];

// what the scenario learns as it goes
const s = {};





async function api(method, path, body, as = token) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${as}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  return { status: res.status, json, text };
}

async function getJson(path) {
  const r = await api('GET', path);
  assert.equal(r.status, 200, `GET ${path} answered ${r.status}: ${r.text.slice(0, 300)}`);
  assert.ok(r.json !== null, `GET ${path} did not answer JSON: ${r.text.slice(0, 300)}`);
  return r.json;
}



// ------------------------------------------------------------------ geometry (lon/lat degrees)

function polygonsOf(geometry) {
  if (geometry?.type === 'Polygon') return [geometry.coordinates];
  if (geometry?.type === 'MultiPolygon') return geometry.coordinates;
  return [];
}

function inside(p, geometry) {
  for (const rings of polygonsOf(geometry)) {
    let odd = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) odd = !odd;
      }
    }
    if (odd) return true;
  }
  return false;
}

function distanceToSegment(p, a, b) {
  const dx = b[0] - a[0];
  const dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2)) : 0;
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

function onBoundary(p, geometry, eps = 2e-8) {
  for (const rings of polygonsOf(geometry)) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) if (distanceToSegment(p, ring[i - 1], ring[i]) <= eps) return true;
    }
  }
  return false;
}

/**
 * Points inside grid `a`, about 0.5 m from a stretch of boundary it shares with grid `b`: walk
 * a's rings, keep the segments whose both ends lie on b's boundary, step from each midpoint along
 * the normal into a. Longest segments first.
 */
function pointsNear(a, b) {
  const found = [];
  for (const rings of polygonsOf(a.geometry)) {
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const p = ring[i - 1];
        const q = ring[i];
        const len = Math.hypot(q[0] - p[0], q[1] - p[1]);
        if (len < 4 * STEP) continue;
        if (!onBoundary(p, b.geometry) || !onBoundary(q, b.geometry)) continue;
        const mid = [(p[0] + q[0]) / 2, (p[1] + q[1]) / 2];
        const n = [-(q[1] - p[1]) / len, (q[0] - p[0]) / len];
        for (const sign of [1, -1]) {
          const c = [mid[0] + sign * STEP * n[0], mid[1] + sign * STEP * n[1]];
          if (inside(c, a.geometry) && !inside(c, b.geometry)) {
            found.push({ point: c, len });
            break;
          }
        }
      }
    }
  }
  return found.sort((x, y) => y.len - x.len);
}

/** Places just inside grid `a` by its boundary with grid `b`, for each neighbouring pair. */
function borderPlaces(grids) {
  const out = [];
  for (const a of grids) {
    for (const b of grids) {
      if (a === b) continue;
      for (const c of pointsNear(a, b).slice(0, 3)) out.push({ a, b, point: c.point });
    }
  }
  return out;
}

function distanceToBoundary(p, geometry) {
  let d = Infinity;
  for (const rings of polygonsOf(geometry)) {
    for (const ring of rings) for (let i = 1; i < ring.length; i++) d = Math.min(d, distanceToSegment(p, ring[i - 1], ring[i]));
  }
  return d;
}

/** A point well inside a polygon: of a 12 × 12 lattice over its box, the one farthest from its edges. */
function innerPoint(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const rings of polygonsOf(geometry)) {
    for (const p of rings[0]) {
      b[0] = Math.min(b[0], p[0]);
      b[1] = Math.min(b[1], p[1]);
      b[2] = Math.max(b[2], p[0]);
      b[3] = Math.max(b[3], p[1]);
    }
  }
  let best = null;
  let depth = -1;
  for (let i = 1; i < 12; i++) {
    for (let k = 1; k < 12; k++) {
      const p = [b[0] + ((b[2] - b[0]) * i) / 12, b[1] + ((b[3] - b[1]) * k) / 12];
      if (!inside(p, geometry)) continue;
      const d = distanceToBoundary(p, geometry);
      if (d > depth) {
        depth = d;
        best = p;
      }
    }
  }
  return best;
}

function boxOf(features) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const f of features) {
    for (const rings of polygonsOf(f.geometry)) {
      for (const p of rings[0]) {
        b[0] = Math.min(b[0], p[0]);
        b[1] = Math.min(b[1], p[1]);
        b[2] = Math.max(b[2], p[0]);
        b[3] = Math.max(b[3], p[1]);
      }
    }
  }
  return b;
}

/**
 * A paint stroke that moves households from one grid of `community` to a neighbour: a place just
 * inside grid a by its boundary with grid b, then the compounds of a nearest to it, as few as make
 * the move possible (a compound alone is an island in its street block's land; the land alone
 * often holds nobody). Found by trial edits through the API on a scratch draft, undone one by one
 * and discarded at the end. Returns { from, to, place, compounds: [{ code, at }], moved } or null.
 */
async function findStroke(community, log) {
  const created = await api('POST', '/api/plans', { name: '探测草稿（测试用）', by: 'planner.test' });
  assert.equal(created.status, 201, `POST /api/plans answered ${created.status}: ${created.text}`);
  const id = created.json.id;
  let version = created.json.version;
  let probes = 0;
  const households = async () =>
    Object.fromEntries(
      (await getJson(`/api/plans/${id}/zones?level=secondary&zone=${community}`)).features.map((f) => [f.properties.code, f.properties.households]),
    );
  try {
    const grids = (await getJson(`/api/plans/${id}/zones?level=secondary&zone=${community}`)).features;
    if (grids.length < 2) return null;
    const compounds = (await getJson(`/api/compounds?bbox=${boxOf(grids).join(',')}&limit=1000`)).features
      .map((c) => ({ code: c.properties.code, at: innerPoint(c.geometry) }))
      .filter((c) => c.at);
    for (const { a, b, point } of borderPlaces(grids)) {
      const from = a.properties.code;
      const to = b.properties.code;
      const near = compounds
        .filter((c) => inside(c.at, a.geometry))
        .map((c) => ({ ...c, d: Math.hypot(c.at[0] - point[0], c.at[1] - point[1]) }))
        .filter((c) => c.d < NEAR)
        .sort((x, y) => x.d - y.d)
        .slice(0, 6);
      for (let k = 0; k <= near.length; k++) {
        if (++probes > MAX_PROBES) return null;
        const taken = near.slice(0, k);
        const before = await households();
        const r = await api('POST', `/api/plans/${id}/edits`, {
          version,
          by: 'planner.test',
          edit: { op: 'move', to, points: [point, ...taken.map((c) => c.at)] },
        });
        if (r.status === 200) {
          version = r.json.info.version;
          const moved = before[from] - (await households())[from];
          const undone = await api('POST', `/api/plans/${id}/undo`, { version, by: 'planner.test' });
          assert.equal(undone.status, 200, `undo on the scratch draft answered ${undone.status}: ${undone.text}`);
          version = undone.json.info.version;
          log.push(`${from}→${to} with ${k} compounds: ${r.json.summary}`);
          if (moved > 0) return { from, to, place: point, compounds: taken.map(({ code, at }) => ({ code, at })), moved, probes };
          break; // land that holds nobody: the next place
        }
        assert.ok(r.status === 422, `a trial edit answered ${r.status}: ${r.text}`);
        log.push(`${from}→${to} with ${k} compounds: ${r.json?.error}`);
        // more compounds only help while it is the source grid that would fall apart
        if (!String(r.json?.error).includes(`leave ${from} `)) break;
      }
    }
    return null;
  } finally {
    const discarded = await api('POST', `/api/plans/${id}/discard`, { version, by: 'planner.test' });
    assert.equal(discarded.status, 200, `discarding the scratch draft answered ${discarded.status}: ${discarded.text}`);
  }
}

// ------------------------------------------------------------------ page helpers

const idle = () => page.evaluate(() => window.__wangge.idle());
const settle = () => page.evaluate(() => window.__wangge.settle());
const version = () => page.evaluate(() => window.__wangge.plan?.info.version ?? null);

/** Households per grid code as the balance table shows them. */
function tableHouseholds() {
  return page.evaluate(() =>
    Object.fromEntries([...document.querySelectorAll('#balance-table tr.grid-row')].map((r) => [r.dataset.code, Number(r.dataset.households)])),
  );
}

const sum = (o) => Object.values(o).reduce((n, v) => n + v, 0);

/** Paints a stroke: press at the first point, move to each next one, release. */
async function stroke(points) {
  await page.evaluate((points) => {
    const lons = points.map((p) => p[0]);
    const lats = points.map((p) => p[1]);
    window.__wangge.map.fitBounds(
      [Math.min(...lons), Math.min(...lats), Math.max(...lons), Math.max(...lats)],
      { padding: 120, maxZoom: 18, duration: 0 },
    );
  }, points);
  await settle();
  const at = [];
  for (const p of points) at.push(await page.evaluate(([lon, lat]) => window.__wangge.project(lon, lat), p));
  for (const { x, y } of at) {
    const top = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y)?.tagName, { x, y });
    assert.equal(top, 'CANVAS', `the point to paint (${x}, ${y}) is covered by a ${top}`);
  }
  await page.mouse.move(at[0].x, at[0].y);
  await page.mouse.down();
  for (const { x, y } of at.slice(1)) await page.mouse.move(x, y, { steps: 1 });
  await page.mouse.up();
  await page.waitForTimeout(50);
  await idle();
}

async function shot(name) {
  await settle();
  writeFileSync(join(artifacts, name), await page.screenshot());
}

// ------------------------------------------------------------------ set-up

before(async () => {
  assert.ok(existsSync(join(dist, 'planner.html')), `${dist}/planner.html is missing: build the front end (npm run build --prefix web)`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  workDir = mkdtempSync(join(tmpdir(), 'wangge-planner-'));
  const db = join(workDir, 'demo.gpkg');
  await run(['demo', '--db', db, '--no-serve']);
  await addUser(db, 'planner1', 'planner', { displayName: PLANNER });
  await addUser(db, 'planner2', 'planner', { displayName: OTHER });
  server = await startWangge(['serve', '--db', db, '--web', dist]);
  base = server.base;
  token = await signIn(base, 'planner1');
  otherToken = await signIn(base, 'planner2');
  // the demo is meant to come with secondary grids; older demos need the splitter first
  const secondary = await getJson('/api/zones?level=secondary&limit=1');
  if (!secondary.total) {
    await stopWangge(server);
    await run(['partition', '--db', db, '--level', 'secondary']);
    server = await startWangge(['serve', '--db', db, '--web', dist]);
    base = server.base;
  }
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN' });
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // data:, blob:
    requestCount++;
    if (url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
  });
  await signIn(base, 'planner1', context);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => consoleLog.push({ type: m.type(), text: m.text() }));
  mkdirSync(artifacts, { recursive: true });
  await page.goto(`${base}/planner.html`, { waitUntil: 'domcontentloaded' });
  try {
    await page.waitForFunction(() => window.__wangge && window.__wangge.ready, null, { timeout: 30_000 });
    await page.evaluate(() =>
      Promise.race([
        window.__wangge.ready.then(() => true),
        new Promise((_, fail) => setTimeout(() => fail(new Error('the planner view was not ready within 60 s')), 60_000)),
      ]),
    );
  } catch (e) {
    e.message += `\npage errors: ${pageErrors.join('; ')}\nconsole:\n${consoleLog.slice(-20).map((m) => `${m.type}: ${m.text}`).join('\n')}\nserver:\n${server.log().slice(-2000)}`;
    throw e;
  }
}, { timeout: 240_000 });

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

// ------------------------------------------------------------------ the scenario

test('the planner view opens in Chinese, linked with the leader view', async () => {
  assert.equal((await page.locator('#app-title').innerText()).trim(), '网格化管理 · 规划视图');
  assert.equal(await page.locator('#to-leader').getAttribute('href'), './');
  const leader = await (await fetch(`${base}/`)).text();
  assert.match(leader, /href="\.\/planner\.html"/, 'the leader view does not link to the planner view');
  const errors = await page.evaluate(() => window.__wangge.errors);
  assert.deepEqual(errors, [], 'the map reported errors');
});

test('a planner creates a draft', { timeout: 60_000 }, async () => {
  // Who plans is the signed-in planner: the name is shown, not typed.
  assert.equal(await page.locator('#user').inputValue(), PLANNER);
  assert.equal(await page.locator('#user').evaluate((e) => e.readOnly), true);
  await page.click('#new-plan');
  await page.locator('#new-name').fill(PLAN_NAME);
  await page.click('#create-plan');
  await page.locator('#plan-info[data-status="draft"]', { hasText: PLAN_NAME }).waitFor({ timeout: 30_000 });
  await idle();
  const plan = await page.evaluate(() => window.__wangge.plan);
  assert.equal(plan.info.name, PLAN_NAME);
  assert.equal(plan.info.status, 'draft');
  assert.equal(plan.info.created_by, PLANNER);
  s.plan = plan.info.id;
  s.version0 = plan.info.version;
  assert.match(await page.locator('#plan-version').innerText(), new RegExp(`版本 ${plan.info.version}`));
  const list = await getJson('/api/plans');
  assert.ok(list.some((p) => p.id === s.plan && p.status === 'draft' && p.name === PLAN_NAME), JSON.stringify(list));
  assert.equal(await page.locator(`#plan-list .plan-item[data-id="${s.plan}"] .status-chip`).innerText(), '草稿');
});

test('choosing a community and the secondary level shows its grids and their balance', { timeout: 180_000 }, async (t) => {
  const communities = (await getJson(`/api/plans/${s.plan}/zones?level=community`)).features;
  assert.ok(communities.length > 0, 'the plan has no communities');
  // a community where a stroke can move households between two neighbouring grids; not the first
  // one listed, when there is a choice, so that choosing is really done
  const ordered = [...communities].sort((a, b) => a.properties.code.localeCompare(b.properties.code));
  const order = ordered.length > 1 ? [...ordered.slice(1), ordered[0]] : ordered;
  const log = [];
  for (const c of order) {
    const found = await findStroke(c.properties.code, log);
    if (found) {
      s.community = c.properties.code;
      s.move = found;
      break;
    }
  }
  t.diagnostic(log.join('\n'));
  assert.ok(s.community, `no stroke moves households between two grids:\n${log.join('\n')}`);
  t.diagnostic(`stroke: ${JSON.stringify(s.move)}`);
  s.grids = (await getJson(`/api/plans/${s.plan}/zones?level=secondary&zone=${s.community}`)).features;

  await page.reload({ waitUntil: 'domcontentloaded' }); // the scratch draft now shows in the list too
  await page.waitForFunction(() => window.__wangge?.ready, null, { timeout: 30_000 });
  await page.evaluate(() => window.__wangge.ready.then(() => true));
  await page.locator(`#plan-info[data-id="${s.plan}"]`).waitFor({ timeout: 30_000 });
  await page.selectOption('#zone', s.community);
  await page.click('#level-secondary');
  await page.waitForFunction(
    (codes) => {
      const w = window.__wangge;
      const shown = (w.balance?.grids ?? []).map((g) => g.code).sort();
      return !w.busy && JSON.stringify(shown) === JSON.stringify(codes);
    },
    s.grids.map((g) => g.properties.code).sort(),
    { timeout: 30_000 },
  );
  const rows = await tableHouseholds();
  for (const g of s.grids) assert.equal(rows[g.properties.code], g.properties.households, `households of ${g.properties.code}`);
  s.original = rows;
  assert.equal(await page.locator('#balance-table th[data-col="households"]').innerText(), '户数');
  assert.match(await page.locator('#balance-range').innerText(), /目标 300–500 户/);
  const drawn = await page.evaluate(() => window.__wangge.map.queryRenderedFeatures({ layers: ['plan-fill'] }).length);
  assert.ok(drawn > 0, 'the grids are not drawn on the map');
});

test('painting a compound and a place into a neighbouring grid changes the balance table; undo restores it', { timeout: 180_000 }, async () => {
  const m = s.move;
  await page.click('#tool-paint');
  await page.click('#brush-compound');

  // a refused edit shows the server's reason behind a Chinese label: the place is already in `from`
  await page.selectOption('#paint-target', m.from);
  const before = await version();
  await stroke([m.place]);
  assert.equal(await version(), before, 'painting a grid onto itself changed the plan');
  const refused = await page.evaluate(() => window.__wangge.lastError);
  assert.equal(refused?.status, 422, `expected a 422, got ${JSON.stringify(refused)}`);
  const text = await page.locator('#message-text').innerText();
  assert.ok(text.startsWith('无法执行：') && text.includes(refused.error), `message shows "${text}"`);
  await page.click('#message-close');

  // the stroke: from the place by the boundary over the compounds behind it
  await page.selectOption('#paint-target', m.to);
  await stroke([m.place, ...m.compounds.map((c) => c.at)]);
  const err = await page.evaluate(() => window.__wangge.lastError);
  assert.equal(err, null, `the paint was refused: ${JSON.stringify(err)}`);
  const sent = await page.evaluate(() => window.__wangge.lastEdit);
  assert.deepEqual(sent.compounds ?? [], m.compounds.map((c) => c.code), `the stroke sent ${JSON.stringify(sent)}`);
  assert.equal(sent.points?.length, 1, `the stroke sent ${JSON.stringify(sent)}`);
  assert.equal(await version(), before + 1);
  const rows = await tableHouseholds();
  assert.equal(rows[m.from], s.original[m.from] - m.moved, `households of ${m.from}`);
  assert.equal(rows[m.to], s.original[m.to] + m.moved, `households of ${m.to}`);
  assert.equal(sum(rows), sum(s.original), 'the households of the community changed');
  for (const code of Object.keys(rows)) if (code !== m.from && code !== m.to) assert.equal(rows[code], s.original[code], `households of ${code}`);
  s.painted = rows;
  assert.match(await page.locator('#plan-last').innerText(), new RegExp(PLANNER));
  assert.match(await page.locator('#plan-version').innerText(), new RegExp(`版本 ${before + 1}`));
  await page.evaluate(() => window.__wangge.fitArea());
  await shot('planner.png');

  // undo: the table is back to the original numbers
  const v = await version();
  await page.click('#undo');
  await page.waitForFunction((v) => window.__wangge.plan.info.version === v + 1 && !window.__wangge.busy, v, { timeout: 30_000 });
  assert.deepEqual(await tableHouseholds(), s.original, 'undo did not restore the balance table');
  assert.equal(await page.locator('#history-list li.undone').count(), 1, 'the history does not show the undone edit');
  assert.equal(await page.locator('#redo').isDisabled(), false);
});

test('painting again and publishing makes the new grids live', { timeout: 180_000 }, async () => {
  const m = s.move;
  await page.selectOption('#paint-target', m.to);
  const v = await version();
  await stroke([m.place, ...m.compounds.map((c) => c.at)]);
  assert.equal(await version(), v + 1, `the repaint failed: ${JSON.stringify(await page.evaluate(() => window.__wangge.lastError))}`);
  assert.deepEqual(await tableHouseholds(), s.painted, 'the repaint gave other numbers than the first paint');
  assert.equal(await page.locator('#redo').isDisabled(), true, 'a new edit must drop the undone one');

  await page.click('#publish');
  await page.locator('#confirm[open]').waitFor({ timeout: 5_000 });
  assert.match(await page.locator('#confirm-text').innerText(), new RegExp(PLAN_NAME));
  await shot('planner-publish.png');
  await page.click('#confirm-ok');
  await page.locator('#plan-info[data-status="published"]').waitFor({ timeout: 60_000 });
  await idle();
  assert.match(await page.locator('#message-text').innerText(), /已发布/);

  const list = await getJson('/api/plans');
  const mine = list.find((p) => p.id === s.plan);
  assert.equal(mine?.status, 'published', JSON.stringify(list));
  assert.equal(mine.published_by, PLANNER);
  // the leader-facing data: the live secondary grids carry the new households
  const live = await getJson('/api/zones?level=secondary&limit=1000');
  const households = Object.fromEntries(live.features.map((f) => [f.properties.code, f.properties.households]));
  assert.equal(households[m.from], s.painted[m.from], `live households of ${m.from}`);
  assert.equal(households[m.to], s.painted[m.to], `live households of ${m.to}`);
  const summary = await getJson(`/api/zones/${encodeURIComponent(m.to)}/summary`);
  assert.equal(summary.zone.households, s.painted[m.to], 'the zone summary of the leader view');
  // a published plan is read only
  assert.equal(await page.locator('#publish').isDisabled(), true);
  assert.equal(await page.locator('#tool-paint').isDisabled(), true);
  await shot('planner-published.png');
});

test('comparing the plan with the one before hatches the changed area and lists the buildings', { timeout: 120_000 }, async () => {
  const list = await getJson('/api/plans');
  const mine = list.find((p) => p.id === s.plan);
  const previous = mine.based_on ?? list.find((p) => p.status === 'published' && p.id !== s.plan)?.id;
  assert.ok(previous, `no plan to compare with: ${JSON.stringify(list)}`);
  await page.click('#tool-compare');
  await page.selectOption('#compare-a', String(previous));
  await page.selectOption('#compare-b', String(s.plan));
  await page.click('#compare-go');
  await page.locator('#compare-totals').waitFor({ timeout: 60_000 });
  await idle();
  const totals = await page.locator('#compare-totals').evaluate((e) => ({ buildings: Number(e.dataset.buildings), households: Number(e.dataset.households) }));
  assert.equal(totals.households, s.move.moved, `the comparison counts ${totals.households} households, the paint moved ${s.move.moved}`);
  assert.ok(totals.buildings > 0);
  const rows = await page.locator('#compare-buildings tbody tr').count();
  assert.equal(rows, Math.min(totals.buildings, 300));
  const from = await page.locator('#compare-buildings tbody tr td:nth-child(4)').first().innerText();
  const to = await page.locator('#compare-buildings tbody tr td:nth-child(5)').first().innerText();
  assert.deepEqual([from.trim(), to.trim()], [s.move.from, s.move.to]);
  await page.evaluate((p) => window.__wangge.map.jumpTo({ center: p, zoom: 16 }), s.move.place);
  await settle();
  const hatched = await page.evaluate(() => window.__wangge.map.queryRenderedFeatures({ layers: ['plan-compare-hatch'] }).length);
  assert.ok(hatched > 0, 'the changed area is not drawn');
  await shot('planner-compare.png');
  await page.click('#compare-clear');
});

test('an edit on a stale version shows who changed what and reloads', { timeout: 120_000 }, async () => {
  await page.click('#new-plan');
  await page.locator('#new-name').fill('第二个草稿');
  await page.click('#create-plan');
  await page.locator('#plan-info[data-status="draft"]', { hasText: '第二个草稿' }).waitFor({ timeout: 30_000 });
  await idle();
  const plan = await page.evaluate(() => window.__wangge.plan.info);
  // someone else locks a grid meanwhile
  const other = await api(
    'POST',
    `/api/plans/${plan.id}/edits`,
    { version: plan.version, edit: { op: 'lock', grid: s.move.from, locked: true } },
    otherToken,
  );
  assert.equal(other.status, 200, `the other planner's edit answered ${other.status}: ${other.text}`);
  // this planner, still on the old version, paints
  await page.click('#tool-paint');
  await page.selectOption('#paint-target', s.move.from);
  await stroke([s.move.place]);
  const err = await page.evaluate(() => window.__wangge.lastError);
  assert.equal(err?.status, 409, `expected a conflict, got ${JSON.stringify(err)}`);
  const message = await page.locator('#message').innerText();
  assert.match(message, new RegExp(OTHER));
  assert.match(message, /已被他人修改/);
  await shot('planner-conflict.png');
  await page.click('#reload');
  await page.waitForFunction((v) => window.__wangge.plan.info.version === v && !window.__wangge.busy, other.json.info.version, { timeout: 30_000 });
  assert.equal(await page.locator(`#balance-table tr[data-code="${s.move.from}"] .lock-chip`).count(), 1, 'the lock made by the other planner is not shown');
});

test('the English switch translates the planner view', { timeout: 30_000 }, async () => {
  await page.click('#lang');
  await page.locator('#app-title', { hasText: 'Grid governance · Planner view' }).waitFor({ timeout: 5_000 });
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  assert.equal(await page.locator('#balance-table th[data-col="households"]').innerText(), 'Households');
  assert.equal(await page.locator('#tool-paint').innerText(), 'Paint');
  await shot('planner-en.png');
  await page.click('#lang');
  await page.locator('#app-title', { hasText: '规划视图' }).waitFor({ timeout: 5_000 });
});

test('the page runs without errors and requests nothing from outside 127.0.0.1', async () => {
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  // the refused edits (422, 409) are logged by Chromium as failed loads: expected, nothing else
  const errors = consoleLog
    .filter((m) => m.type === 'error')
    .map((m) => m.text)
    .filter((text) => !/Failed to load resource: the server responded with a status of (409|422)/.test(text));
  assert.deepEqual(errors, [], 'console errors');
  const mapErrors = await page.evaluate(() => window.__wangge.errors);
  assert.deepEqual(mapErrors, [], 'map errors');
  assert.ok(requestCount > 10, `only ${requestCount} requests seen: is the request listener working?`);
  assert.deepEqual(foreignRequests, [], 'requests to other hosts');
});
