// The leader view in headless Chromium, against the real server on the demo sub-district.
//
// Needs: the built binary (`cargo build --bin wangge`; $WANGGE_BIN overrides), the built front end
// (`npm ci --prefix web && npm run build --prefix web`), Debian's chromium and fonts-noto-cjk.
// Writes tests/artifacts/leader.png (and leader-*.png) for a person to look at.
// WANGGE_URL=http://127.0.0.1:8080 runs the test against a server that is already running instead.

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';

import { PNG } from 'pngjs';

import { CHROMIUM, addUser, artifacts, dist, fetchAs, launchBrowser, repo, run, signIn, startWangge, stopWangge } from './harness.mjs';
const VIEWPORT = { width: 1280, height: 800 };

const TIER_RGB = { green: [0x2e, 0x9d, 0x48], yellow: [0xf2, 0xc2, 0x00], red: [0xd7, 0x26, 0x3d] };
/**
 * Largest difference on any channel for a pixel to count as a tier colour. Compound fills are
 * opaque at the overview zoom; the darker outlines and their anti-aliasing stay outside it.
 */
const TOLERANCE = 12;
/** Fewest pixels of each tier colour the map must draw (the demo gives thousands of each). */
const MIN_TIER_PIXELS = 1000;

let server;
let base;
let workDir;
let browser;
let page;
/** The bearer token of the user the page is signed in as, for the test's own requests. */
let token;
/** An administrator's token, for reporting problems. */
let adminToken;
const foreignRequests = [];
let requestCount = 0;
const pageErrors = [];
const consoleLog = [];




async function getJson(path) {
  const res = await fetchAs(token, base + path);
  assert.equal(res.status, 200, `GET ${path} answered ${res.status}`);
  return res.json();
}

/** Resolves when the map is idle with every tile loaded. */
const settle = () => page.evaluate(() => window.__wangge.settle());

/** Pixels of the map canvas not covered by the legend, the card or MapLibre's controls. */
async function mapRegion() {
  return page.evaluate(() => {
    const r = (e) => {
      const b = e.getBoundingClientRect();
      return { x: b.left, y: b.top, w: b.width, h: b.height };
    };
    const canvas = document.querySelector('#map canvas');
    const covers = [...document.querySelectorAll('#legend, #card:not([hidden]), .maplibregl-ctrl')].map(r);
    return { canvas: r(canvas), covers };
  });
}

function countTierPixels(png, region) {
  const counts = { green: 0, yellow: 0, red: 0 };
  const { canvas, covers } = region;
  const inside = (x, y) => covers.some((c) => x >= c.x && x < c.x + c.w && y >= c.y && y < c.y + c.h);
  for (let y = Math.ceil(canvas.y); y < Math.min(png.height, canvas.y + canvas.h); y++) {
    for (let x = Math.ceil(canvas.x); x < Math.min(png.width, canvas.x + canvas.w); x++) {
      if (inside(x, y)) continue;
      const i = (y * png.width + x) * 4;
      const px = [png.data[i], png.data[i + 1], png.data[i + 2]];
      for (const [tier, rgb] of Object.entries(TIER_RGB)) {
        if (rgb.every((v, k) => Math.abs(v - px[k]) <= TOLERANCE)) counts[tier]++;
      }
    }
  }
  return counts;
}

function differingPixels(a, b, region) {
  const { canvas } = region;
  let n = 0;
  for (let y = Math.ceil(canvas.y); y < Math.min(a.height, canvas.y + canvas.h); y++) {
    for (let x = Math.ceil(canvas.x); x < Math.min(a.width, canvas.x + canvas.w); x++) {
      const i = (y * a.width + x) * 4;
      if (Math.abs(a.data[i] - b.data[i]) + Math.abs(a.data[i + 1] - b.data[i + 1]) + Math.abs(a.data[i + 2] - b.data[i + 2]) > 60) n++;
    }
  }
  return n;
}


before(async () => {
  assert.ok(
    existsSync(join(dist, 'index.html')),
    `${dist}/index.html is missing: build the front end (npm ci --prefix web && npm run build --prefix web)`,
  );
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  if (process.env.WANGGE_URL) {
    base = process.env.WANGGE_URL.replace(/\/$/, '');
  } else {
    workDir = mkdtempSync(join(tmpdir(), 'wangge-browser-'));
    server = await startWangge(['demo', '--db', join(workDir, 'demo.gpkg')]);
    base = server.base;
    // The card's tier form is for planners: the leader view is signed in as one here (the
    // roles test signs a leader in).
    await addUser(join(workDir, 'demo.gpkg'), 'wangzhuren', 'planner', { displayName: '王主任' });
    await addUser(join(workDir, 'demo.gpkg'), 'admin1', 'admin');
    adminToken = await signIn(base, 'admin1');
  }
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN' });
  // every page of the context: no request may leave 127.0.0.1
  context.on('request', (req) => {
    const url = new URL(req.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return; // data:, blob:
    requestCount++;
    if (url.hostname !== '127.0.0.1') foreignRequests.push(req.url());
  });
  token = await signIn(base, process.env.WANGGE_USER ?? 'wangzhuren', context);
  page = await context.newPage();
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => consoleLog.push(`${m.type()}: ${m.text()}`));
  const index = await (await fetch(`${base}/`)).text();
  assert.match(index, /app\.js/, `${base}/ is not the leader view built in ${dist}:\n${index.slice(0, 300)}`);
  await page.goto(`${base}/`, { waitUntil: 'domcontentloaded' });
  try {
    await page.waitForFunction(() => window.__wangge && window.__wangge.ready, null, { timeout: 30_000 });
    await page.evaluate(() =>
      Promise.race([
        window.__wangge.ready.then(() => true),
        new Promise((_, fail) => setTimeout(() => fail(new Error('the map was not ready within 60 s')), 60_000)),
      ]),
    );
  } catch (e) {
    e.message += `\npage errors: ${pageErrors.join('; ')}\nconsole:\n${consoleLog.slice(-20).join('\n')}`;
    throw e;
  }
  mkdirSync(artifacts, { recursive: true });
}, { timeout: 180_000 });

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the map draws every tier colour, with no map error', { timeout: 60_000 }, async (t) => {
  await settle();
  const shot = await page.screenshot();
  writeFileSync(join(artifacts, 'leader.png'), shot);
  const counts = countTierPixels(PNG.sync.read(shot), await mapRegion());
  t.diagnostic(`tier pixels: ${JSON.stringify(counts)}`);
  for (const tier of Object.keys(TIER_RGB)) {
    assert.ok(
      counts[tier] > MIN_TIER_PIXELS,
      `only ${counts[tier]} ${tier} pixels on the map (want > ${MIN_TIER_PIXELS}): ${JSON.stringify(counts)}`,
    );
  }
  const errors = await page.evaluate(() => window.__wangge.errors);
  assert.deepEqual(errors, [], 'the map reported errors');
});

test('labels are drawn locally, with no glyph server', { timeout: 60_000 }, async (t) => {
  const style = await getJson('/styles/leader.json');
  assert.equal(style.glyphs, undefined, 'the style must not name a glyphs URL');
  const placed = await page.evaluate(
    () => window.__wangge.map.queryRenderedFeatures({ layers: ['zone-label', 'street-label'] }).length,
  );
  assert.ok(placed > 0, 'no zone or street label was placed');
  // the same view with and without the symbol layers: the labels must change pixels
  const region = await mapRegion();
  const withLabels = PNG.sync.read(await page.screenshot());
  const symbols = await page.evaluate(() => {
    const map = window.__wangge.map;
    const ids = map.getStyle().layers.filter((l) => l.type === 'symbol').map((l) => l.id);
    for (const id of ids) map.setLayoutProperty(id, 'visibility', 'none');
    return ids;
  });
  await settle();
  const withoutLabels = PNG.sync.read(await page.screenshot());
  await page.evaluate((ids) => {
    for (const id of ids) window.__wangge.map.setLayoutProperty(id, 'visibility', 'visible');
  }, symbols);
  await settle();
  const changed = differingPixels(withLabels, withoutLabels, region);
  t.diagnostic(`${placed} labels placed, ${changed} pixels drawn by labels`);
  assert.ok(changed > 500, `labels changed only ${changed} pixels`);
});

test('the panel counts the whole jurisdiction as /api/stats does', async () => {
  const stats = await getJson('/api/stats');
  const shown = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('#tier-counts [data-tier]')].map((e) => [
        e.dataset.tier,
        Number(e.querySelector('.tier-count').dataset.count),
      ]),
    ),
  );
  assert.deepEqual(shown, {
    green: stats.compounds_by_tier.green ?? 0,
    yellow: stats.compounds_by_tier.yellow ?? 0,
    red: stats.compounds_by_tier.red ?? 0,
  });
  const legend = await page.locator('#legend').innerText();
  for (const n of Object.values(stats.compounds_by_tier)) assert.ok(legend.includes(n.toLocaleString('zh-CN')), legend);
  for (const name of ['绿色·宽管级', '黄色·关注级', '红色·禁止级']) assert.ok(legend.includes(name), legend);
});

test('the attribution names OpenStreetMap whenever /api/meta says so', async () => {
  const meta = await getJson('/api/meta');
  const text = await page.locator('.maplibregl-ctrl-attrib').innerText();
  for (const a of meta.attribution ?? []) assert.ok(text.includes(a), `attribution "${text}" lacks "${a}"`);
});

test('clicking a community on the map drills down; the breadcrumb goes back up', { timeout: 60_000 }, async () => {
  const top = (await page.locator('.breadcrumb .crumb.current').innerText()).trim();
  // a point inside a child zone, clear of compounds and overlays
  const target = await page.evaluate(() => {
    const { map, panel } = window.__wangge;
    const canvas = map.getCanvas();
    const box = canvas.getBoundingClientRect();
    const children = panel.childCodes();
    for (let y = 40; y < box.height - 40; y += 6) {
      for (let x = 40; x < box.width - 40; x += 6) {
        if (document.elementFromPoint(box.left + x, box.top + y) !== canvas) continue;
        const near = [
          [x - 5, y - 5],
          [x + 5, y + 5],
        ];
        if (map.queryRenderedFeatures(near, { layers: ['compounds-fill'] }).length) continue;
        const zone = map.queryRenderedFeatures([x, y], { layers: ['zones-hit'] }).find((f) => children.has(f.properties.code));
        if (zone) return { x: box.left + x, y: box.top + y, name: zone.properties.name };
      }
    }
    return null;
  });
  assert.ok(target, 'no child zone to click on the map');
  await page.mouse.click(target.x, target.y);
  await page.locator('.breadcrumb .crumb.current', { hasText: target.name }).waitFor({ timeout: 10_000 });
  await page.locator('.breadcrumb button.crumb', { hasText: top }).click();
  await page.locator('.breadcrumb .crumb.current', { hasText: top }).waitFor({ timeout: 10_000 });
  await settle();
});

test('clicking a community in the panel drills down', { timeout: 60_000 }, async () => {
  const before = await page.locator('#tier-counts').innerText();
  const child = page.locator('#children button.child').first();
  const name = (await child.locator('.child-name').innerText()).trim();
  const code = await child.getAttribute('data-code');
  const levels = (await getJson('/api/levels')).levels.map((l) => l.key);
  const summary = await getJson(`/api/zones/${encodeURIComponent(code)}/summary`);
  assert.equal(summary.zone.level, 'community', `the first level listed is ${summary.zone.level}, not community (levels ${levels})`);
  const zoomBefore = await page.evaluate(() => window.__wangge.map.getZoom());
  await child.click();
  await page.locator('.breadcrumb .crumb.current', { hasText: name }).waitFor({ timeout: 10_000 });
  const after = await page.locator('#tier-counts').innerText();
  assert.notEqual(after, before, 'the tier counts did not change');
  const shown = await page.evaluate(() =>
    Object.fromEntries(
      [...document.querySelectorAll('#tier-counts [data-tier]')].map((e) => [e.dataset.tier, Number(e.querySelector('.tier-count').dataset.count)]),
    ),
  );
  assert.deepEqual(shown, { green: summary.tiers.green ?? 0, yellow: summary.tiers.yellow ?? 0, red: summary.tiers.red ?? 0 });
  await page.waitForFunction((z) => window.__wangge.map.getZoom() > z + 0.3, zoomBefore, { timeout: 10_000 });
  await settle();
  writeFileSync(join(artifacts, 'leader-community.png'), await page.screenshot());
});

test('clicking a compound on the map opens its card', { timeout: 60_000 }, async () => {
  // a point of the canvas that shows a compound and is not under an overlay
  const target = await page.evaluate(() => {
    const map = window.__wangge.map;
    const canvas = map.getCanvas();
    const box = canvas.getBoundingClientRect();
    for (let y = 40; y < box.height - 40; y += 9) {
      for (let x = 40; x < box.width - 40; x += 9) {
        const hit = document.elementFromPoint(box.left + x, box.top + y);
        if (hit !== canvas) continue;
        const f = map.queryRenderedFeatures([x, y], { layers: ['compounds-fill'] })[0];
        if (f) return { x: box.left + x, y: box.top + y, code: f.properties.code, name: f.properties.name };
      }
    }
    return null;
  });
  assert.ok(target, 'no compound to click on the map');
  await page.mouse.click(target.x, target.y);
  await page.locator('#card-name', { hasText: target.name }).waitFor({ timeout: 10_000 });
  await page.locator('#card dd[data-field="lastInspection"]').waitFor({ timeout: 10_000 });
  const compound = await getJson(`/api/compounds/${encodeURIComponent(target.code)}`);
  const card = await page.locator('#card').innerText();
  if (compound.properties.last_inspection == null) {
    assert.equal((await page.locator('#card dd[data-field="lastInspection"]').innerText()).trim(), '暂无');
  }
  // The demo ships with its chiefs' duties: the card names the compound's street chief.
  assert.ok(compound.properties.chief?.name, `compound ${target.code} has no chief`);
  assert.ok(card.includes(compound.properties.chief.name), card);
  assert.ok(card.includes(compound.properties.chief.phone), card);
  assert.ok(card.includes(compound.properties.households.toLocaleString('zh-CN')), card);
  // the card links the compound's printable gate board, which names the same chief
  const href = await page.locator('#card-board').getAttribute('href');
  assert.equal(href, `boards/${encodeURIComponent(target.code)}.html`);
  const board = await page.request.get(new URL(href, page.url()).href);
  assert.equal(board.status(), 200);
  const boardText = await board.text();
  assert.ok(boardText.includes(compound.properties.chief.name) && boardText.includes(target.name), 'the board lacks the chief or the name');
  writeFileSync(join(artifacts, 'leader-card.png'), await page.screenshot());
});

test('a tier changed from the card needs a reason, shows in its history and in the next tiles', { timeout: 60_000 }, async () => {
  const code = await page.locator('#card').evaluate(() => document.querySelector('#card-board')?.getAttribute('href'));
  assert.ok(code, 'no compound card is open');
  const compound = decodeURIComponent(code.replace(/^boards\//, '').replace(/\.html.*$/, ''));
  await page.click('#card-tiers summary');
  const to = await page.$eval('#tier-to', (s) => s.value);
  await page.click('#tier-submit');
  await page.locator('#tier-message', { hasText: '原因' }).waitFor({ timeout: 5_000 });
  await page.fill('#tier-reason', '巡查发现群租');
  await page.click('#tier-submit');
  await page.locator('#card-history li', { hasText: '巡查发现群租' }).waitFor({ timeout: 10_000 });
  const history = await getJson(`/api/compounds/${encodeURIComponent(compound)}/history`);
  assert.equal(history.history.at(-1).to, to);
  assert.equal(history.history.at(-1).by, '王主任');
  await settle();
  const drawn = await page.evaluate(
    (c) => window.__wangge.map.queryRenderedFeatures({ layers: ['compounds-fill'] }).filter((f) => f.properties.code === c).map((f) => f.properties.tier),
    compound,
  );
  assert.ok(drawn.length > 0, 'the compound is not on the map');
  assert.ok(drawn.every((tier) => tier === to), `the map still draws ${drawn}`);
});

test('clicking a key street opens its card with its street chiefs and partner departments', { timeout: 60_000 }, async () => {
  await page.keyboard.press('Escape');
  // a street with partner departments (the demo's key streets), zoomed in far enough to click
  const streets = await getJson('/api/streets?limit=1000');
  const key = streets.features.find((f) => f.properties.partners.length && f.properties.chief_levels.length && f.properties.name);
  assert.ok(key, 'the demo has no key street with partner departments');
  const line = key.geometry.coordinates;
  const mid = line[Math.floor(line.length / 2)];
  const next = line[Math.min(Math.floor(line.length / 2) + 1, line.length - 1)];
  await page.evaluate(([lon, lat]) => window.__wangge.map.jumpTo({ center: [lon, lat], zoom: 17 }), [
    (mid[0] + next[0]) / 2,
    (mid[1] + next[1]) / 2,
  ]);
  await page.evaluate(() => window.__wangge.settle());
  const target = await page.evaluate((id) => {
    const map = window.__wangge.map;
    const canvas = map.getCanvas();
    const box = canvas.getBoundingClientRect();
    for (let r = 0; r < 200; r += 3) {
      for (const [dx, dy] of [[r, 0], [-r, 0], [0, r], [0, -r]]) {
        const x = box.width / 2 + dx;
        const y = box.height / 2 + dy;
        if (document.elementFromPoint(box.left + x, box.top + y) !== canvas) continue;
        if (map.queryRenderedFeatures([x, y], { layers: ['compounds-fill'] }).length) continue;
        const f = map.queryRenderedFeatures([x, y], { layers: ['street'] })[0];
        if (f && f.id === id) return { x: box.left + x, y: box.top + y };
      }
    }
    return null;
  }, key.id);
  assert.ok(target, `street ${key.id} is not drawn at the centre of the map`);
  target.properties = key.properties;
  await page.mouse.click(target.x, target.y);
  await page.locator('#card[data-kind="street"] dd[data-field="partners"] li').first().waitFor({ timeout: 10_000 });
  const card = await page.locator('#card').innerText();
  assert.ok(card.includes(target.properties.name), card);
  for (const partner of target.properties.partners) {
    assert.ok(card.includes(partner.contact) && card.includes(partner.phone), `${partner.contact} missing:\n${card}`);
  }
  for (const chief of target.properties.chief_levels) assert.ok(card.includes(chief.name), `${chief.name} missing:\n${card}`);
  assert.ok(card.includes('联动部门') && card.includes('街长'), card);
  const departments = await page.$$eval('#card li[data-department]', (els) => els.map((e) => e.dataset.department));
  assert.deepEqual(departments, target.properties.partners.map((p) => p.department));
  writeFileSync(join(artifacts, 'leader-street-card.png'), await page.screenshot());
  await page.keyboard.press('Escape');
});

test('the heat layer of open problems shows what the server counts', { timeout: 60_000 }, async () => {
  // two problems reported at compounds of the map
  const compounds = await getJson('/api/compounds?limit=2');
  for (const f of compounds.features) {
    const ring = f.geometry.coordinates[0][0];
    const [lon, lat] = ring[0].map((v, i) => (v + ring[2][i]) / 2);
    // Problems are reported in the field (patrol) or by administrators.
    const res = await fetchAs(adminToken, `${base}/api/problems`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ lon, lat, category: '环境卫生', description: '楼道堆物', reporter: '居民' }),
    });
    assert.ok(res.ok, `reporting a problem answered ${res.status}`);
  }
  const heat = await getJson('/api/problems/heat');
  assert.ok(heat.features.length >= 2);
  await page.check('#problem-toggle');
  await page.locator('label[for="problem-toggle"]', { hasText: `${heat.features.length} 件` }).waitFor({ timeout: 10_000 });
  const shown = await page.evaluate(() => {
    const map = window.__wangge.map;
    return {
      layer: map.getLayoutProperty('problem-heat', 'visibility'),
      features: map.getSource('problems').serialize().data.features.length,
    };
  });
  assert.equal(shown.layer, 'visible');
  assert.equal(shown.features, heat.features.length);
  await page.uncheck('#problem-toggle');
  assert.equal(await page.evaluate(() => window.__wangge.map.getLayoutProperty('problem-heat', 'visibility')), 'none');
});

test('the English switch changes the panel title', async () => {
  assert.equal((await page.locator('#panel-title').innerText()).trim(), '分色管理统计');
  await page.click('#lang');
  await page.locator('#panel-title', { hasText: 'Colour tiers' }).waitFor({ timeout: 5_000 });
  assert.match(await page.locator('#legend').innerText(), /Red · prohibited/);
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
  writeFileSync(join(artifacts, 'leader-en.png'), await page.screenshot());
  await page.click('#lang');
  await page.locator('#panel-title', { hasText: '分色管理统计' }).waitFor({ timeout: 5_000 });
});

// Real OpenStreetMap data (Lujiazui, Shanghai, from ../shared/data): the attribution must show.
const lujiazui = resolve(repo, '../shared/data/shanghai-lujiazui');
test('with OpenStreetMap data the map credits OpenStreetMap', { timeout: 120_000, skip: !existsSync(lujiazui) && 'no ../shared/data' }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'wangge-browser-osm-'));
  const db = join(dir, 'lujiazui.gpkg');
  let osm;
  try {
    await run(['import', '--db', db, '--layer', 'buildings', join(lujiazui, 'buildings.geojson')]);
    await run(['import', '--db', db, '--layer', 'compounds', join(lujiazui, 'landuse.geojson')]);
    await run(['import', '--db', db, '--layer', 'streets', join(lujiazui, 'roads.geojson')]);
    await addUser(db, 'osm-viewer', 'viewer');
    osm = await startWangge(['serve', '--db', db], { timeoutMs: 30_000 });
    const url = osm.base;
    const viewer = await signIn(url, 'osm-viewer');
    const meta = await (await fetchAs(viewer, `${url}/api/meta`)).json();
    assert.ok(meta.attribution?.some((a) => a.includes('OpenStreetMap')), `meta.attribution is ${JSON.stringify(meta.attribution)}`);
    // A context of its own: cookies do not tell ports apart, and the page's session is another
    // server's.
    const otherContext = await browser.newContext({ viewport: VIEWPORT, deviceScaleFactor: 1, locale: 'zh-CN' });
    await signIn(url, 'osm-viewer', otherContext);
    const other = await otherContext.newPage();
    try {
      await other.goto(`${url}/`);
      await other.waitForFunction(() => window.__wangge && window.__wangge.ready, null, { timeout: 30_000 });
      await other.evaluate(() => window.__wangge.ready.then(() => true));
      const text = await other.locator('.maplibregl-ctrl-attrib').innerText();
      assert.ok(text.includes('© OpenStreetMap contributors'), `attribution shows "${text}"`);
      const shot = await other.screenshot();
      writeFileSync(join(artifacts, 'leader-osm.png'), shot);
      const region = await other.evaluate(() => {
        const b = document.querySelector('#map canvas').getBoundingClientRect();
        const covers = [...document.querySelectorAll('#legend, .maplibregl-ctrl')].map((e) => {
          const r = e.getBoundingClientRect();
          return { x: r.left, y: r.top, w: r.width, h: r.height };
        });
        return { canvas: { x: b.left, y: b.top, w: b.width, h: b.height }, covers };
      });
      const counts = countTierPixels(PNG.sync.read(shot), region);
      t.diagnostic(`tier pixels: ${JSON.stringify(counts)}`);
      assert.ok(counts.green > MIN_TIER_PIXELS, `the imported compounds were not drawn: ${JSON.stringify(counts)}`);
    } finally {
      await otherContext.close();
    }
  } finally {
    await stopWangge(osm);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the page runs without errors and requests nothing from outside 127.0.0.1', () => {
  assert.deepEqual(pageErrors, [], 'uncaught errors in the page');
  assert.ok(requestCount > 10, `only ${requestCount} requests seen: is the request listener working?`);
  assert.deepEqual(foreignRequests, [], 'requests to other hosts');
});
