// The planner view's street-chief mode (街长) in headless Chromium, against the real server on the
// demo sub-district: the chiefs' areas and their live workload table; a building dragged with the
// mouse onto a neighbouring chief's area changes both chiefs' figures in the table, the building's
// chief in the API and in the re-requested chiefs tiles, without panning the map; a drop on the
// same chief does nothing; a street clicked and given to a chief chosen in the side panel; a
// refused reassignment shows the server's message; the English switch.
//
// Needs: the built binary (`cargo build --bin wangge`; $WANGGE_BIN overrides), the built front end
// (`npm run build --prefix web`), Debian's chromium and fonts-noto-cjk.
// Writes tests/artifacts/chiefs*.png for a person to look at.
// Run: `node --test tests/browser/chiefs.test.mjs` (or `npm run test:chiefs --prefix tests/browser`).

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, addUser, artifacts, dist, launchBrowser, run, signIn, startWangge, stopWangge } from './harness.mjs';

const VIEWPORT = { width: 1280, height: 860 };

let server;
let base;
let workDir;
let browser;
let page;
/** The planner's bearer token, for the test's own requests. */
let token;
const foreignRequests = [];
const pageErrors = [];
/** Every POST /api/duties the page made, and every chiefs tile answered, in order. */
const duties = [];
const chiefTiles = [];

// what the scenario learns as it goes
const s = {};

async function api(method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON
  }
  return { status: res.status, json, text };
}

async function getJson(path) {
  const r = await api('GET', path);
  assert.equal(r.status, 200, `GET ${path} answered ${r.status}: ${r.text.slice(0, 300)}`);
  return r.json;
}

/** A street segment as the API gives it (there is no /api/streets/{id}: looked up in its box). */
async function streetById(id, bbox) {
  const fc = await getJson(`/api/streets?limit=1000&bbox=${bbox.join(',')}`);
  const f = fc.features.find((x) => x.id === id);
  assert.ok(f, `street ${id} is among the streets in ${bbox}`);
  return f;
}

const idle = () => page.evaluate(() => window.__wangge.idle());
const settle = () => page.evaluate(() => window.__wangge.settle());

async function shot(name) {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, name) });
}

/** The figures a row of the chiefs table shows, by chief id. */
function rows() {
  return page.$$eval('#chiefs-table tr.chief-row', (trs) =>
    Object.fromEntries(
      trs.map((tr) => [
        tr.dataset.chief,
        {
          buildings: Number(tr.dataset.buildings),
          streets: Number(tr.dataset.streets),
          households: Number(tr.dataset.households),
          workload: Number(tr.dataset.workload),
          within: tr.dataset.within === 'true',
          flash: tr.classList.contains('flash'),
          deviation: tr.querySelector('[data-col="deviation"]').textContent,
        },
      ]),
    ),
  );
}

/** Shows one live community in the chiefs mode and zooms in to where buildings are drawn. */
async function showCommunity(code, zoom = 16.3) {
  await page.selectOption('#chiefs-community', code);
  await page.evaluate(
    ({ code, zoom }) => {
      const w = window.__wangge;
      const f = w.state.liveCommunities.find((x) => x.properties.code === code);
      const b = f.geometry.coordinates.flat(2).reduce((a, p) => [Math.min(a[0], p[0]), Math.min(a[1], p[1]), Math.max(a[2], p[0]), Math.max(a[3], p[1])], [180, 90, -180, -90]);
      w.map.jumpTo({ center: [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2], zoom });
    },
    { code, zoom },
  );
  await settle();
}

/**
 * In the page: a building of chief A (by the API's answer checked later) whose middle is on the
 * map, and a point in a neighbouring chief B's area a short way off, both well inside the view.
 */
function findDrag() {
  return page.evaluate(() => {
    const w = window.__wangge;
    const map = w.map;
    const cm = w.chiefsMap;
    const canvas = map.getCanvas().getBoundingClientRect();
    const margin = 60;
    const inView = (p) => p.x > margin && p.y > margin && p.x < canvas.width - margin && p.y < canvas.height - margin;
    const seen = new Set();
    const found = [];
    for (const f of map.queryRenderedFeatures({ layers: ['buildings'] })) {
      const id = Number(f.properties.id ?? f.id);
      if (!Number.isFinite(id) || seen.has(id)) continue;
      seen.add(id);
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const c = ring.slice(1).reduce((a, p) => [a[0] + p[0] / (ring.length - 1), a[1] + p[1] / (ring.length - 1)], [0, 0]);
      const p = map.project(c);
      if (!inView(p)) continue;
      const item = cm.itemAt(p);
      if (item?.kind !== 'building' || item.id !== id) continue;
      const from = cm.chiefAt(p);
      if (!from) continue;
      // a point of another chief's area, 20–80 px away, not on a building or street
      for (let r = 20; r <= 80 && found.length < 40; r += 12) {
        for (let k = 0; k < 16; k++) {
          const q = { x: p.x + r * Math.cos((k * Math.PI) / 8), y: p.y + r * Math.sin((k * Math.PI) / 8) };
          if (!inView(q)) continue;
          const to = cm.chiefAt(q);
          if (!to || to.chief === from.chief || cm.itemAt(q)) continue;
          found.push({ id, from: from.chief, to: to.chief, toName: to.name, at: { x: p.x + canvas.left, y: p.y + canvas.top }, drop: { x: q.x + canvas.left, y: q.y + canvas.top } });
          r = Infinity;
          break;
        }
      }
      if (found.length >= 40) break;
    }
    return found;
  });
}

/** A drag with the mouse from `a` to `b` in small steps, checking the ghost chip on the way. */
async function drag(a, b) {
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(a.x + (b.x - a.x) * 0.2, a.y + (b.y - a.y) * 0.2, { steps: 4 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  const ghost = await page.evaluate(() => {
    const g = document.getElementById('drag-ghost');
    return g && { text: g.textContent, over: g.dataset.over, valid: g.classList.contains('valid') };
  });
  await page.mouse.up();
  return ghost;
}

before(async () => {
  assert.ok(existsSync(join(dist, 'planner.html')), `${dist}/planner.html is missing: build the front end (npm run build --prefix web)`);
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk`);
  workDir = mkdtempSync(join(tmpdir(), 'wangge-chiefs-'));
  const db = join(workDir, 'demo.gpkg');
  await run(['demo', '--db', db, '--no-serve']);
  await addUser(db, 'planner1', 'planner', { displayName: '街长调配员' });
  server = await startWangge(['serve', '--db', db, '--web', dist]);
  base = server.base;
  browser = await launchBrowser();
  const context = await browser.newContext({ viewport: VIEWPORT, locale: 'zh-CN' });
  token = await signIn(base, 'planner1', context);
  page = await context.newPage();
  await page.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname !== '127.0.0.1' && url.protocol !== 'data:' && url.protocol !== 'blob:') {
      foreignRequests.push(url.href);
      return route.abort();
    }
    return route.continue();
  });
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('request', (r) => {
    if (r.method() === 'POST' && new URL(r.url()).pathname === '/api/duties') duties.push({ body: r.postDataJSON(), at: Date.now() });
  });
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (path.startsWith('/tiles/chiefs/')) chiefTiles.push({ path, status: r.status(), at: Date.now() });
  });
  await page.goto(`${base}/planner.html`, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => window.__wangge?.ready, null, { timeout: 30_000 });
  await page.evaluate(() => window.__wangge.ready.then(() => true));
});

after(async () => {
  await browser?.close();
  await stopWangge(server);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

test('the street chiefs mode shows their areas and a table of their live workloads', { timeout: 60_000 }, async () => {
  await page.click('#tool-chiefs');
  assert.equal(await page.getAttribute('#tool-chiefs', 'aria-pressed'), 'true');
  assert.equal(await page.getAttribute('#chiefs-level-resident', 'aria-pressed'), 'true', 'resident chiefs by default');
  assert.equal(await page.getAttribute('#dock-chiefs', 'aria-selected'), 'true');
  await page.locator('#chiefs-table tr.chief-row').first().waitFor({ timeout: 30_000 });
  s.community = await page.inputValue('#chiefs-community');
  assert.ok(s.community, 'a community is chosen');
  const roster = await getJson(`/api/chiefs?level=resident&community=${s.community}`);
  const shown = await rows();
  assert.equal(Object.keys(shown).length, roster.count, 'the table lists the community’s resident chiefs');
  for (const c of roster.chiefs) {
    const r = shown[c.id];
    assert.ok(r, `chief ${c.id} is in the table`);
    assert.equal(r.buildings, c.load.buildings);
    assert.equal(r.streets, c.load.streets);
    assert.equal(r.households, c.load.households);
    assert.equal(r.workload, c.load.workload);
    assert.equal(r.within, c.load.within_band);
  }
  // sorted by workload, largest first; a click on the header turns it round
  const order = () => page.$$eval('#chiefs-table tr.chief-row', (trs) => trs.map((tr) => Number(tr.dataset.workload)));
  const down = await order();
  assert.deepEqual(down, [...down].sort((a, b) => b - a));
  await page.click('#chiefs-sort-workload');
  const up = await order();
  assert.deepEqual(up, [...up].sort((a, b) => a - b));
  await page.click('#chiefs-sort-workload');

  await showCommunity(s.community);
  const drawn = await page.evaluate(() => {
    const map = window.__wangge.map;
    const visible = (id) => map.getLayoutProperty(id, 'visibility') !== 'none';
    const areas = map.queryRenderedFeatures({ layers: ['chiefs-fill'] });
    return {
      areas: areas.length,
      colours: [...new Set(areas.map((f) => f.properties.colour))],
      levels: [...new Set(areas.map((f) => f.properties.level))],
      labels: map.queryRenderedFeatures({ layers: ['chiefs-label'] }).length,
      buildings: visible('buildings'),
      grids: visible('plan-fill'),
      tiers: visible('compounds-fill'),
    };
  });
  assert.ok(drawn.areas > 0, 'chiefs’ areas are drawn');
  assert.deepEqual(drawn.levels, ['resident']);
  assert.ok(drawn.colours.every((c) => c >= 0 && c < 8), `colours 0–7: ${drawn.colours}`);
  assert.ok(drawn.labels > 0, 'chiefs’ names are drawn');
  assert.ok(drawn.buildings, 'buildings are drawn on top');
  assert.ok(!drawn.grids && !drawn.tiers, 'the plan’s grids and the tier colours are hidden');
  await shot('chiefs.png');
});

test('dragging a building onto a neighbouring chief’s area gives it to that chief', { timeout: 120_000 }, async () => {
  const candidates = await findDrag();
  assert.ok(candidates.length, 'a building next to another chief’s area is in view');
  // the API must agree on who answers for the building now
  let pick = null;
  for (const c of candidates) {
    const b = await getJson(`/api/buildings/${c.id}`);
    // with households, so that the workloads move too
    if (b.properties.chiefs?.resident === c.from && b.properties.households > 0) {
      pick = c;
      s.households = b.properties.households;
      break;
    }
  }
  assert.ok(pick, 'a building with households whose area and duty agree');
  s.building = pick;
  s.candidates = candidates;
  const before = await rows();
  assert.ok(before[pick.from] && before[pick.to], `chiefs ${pick.from} and ${pick.to} are in the table`);
  const centre = await page.evaluate(() => window.__wangge.map.getCenter().toArray());
  const posts = duties.length;
  // the rows of both chiefs flash when the answer's figures arrive (for a moment: watched from now)
  const flashed = Promise.all(
    [pick.from, pick.to].map((id) => page.waitForSelector(`#chiefs-table tr.chief-row.flash[data-chief="${id}"]`, { timeout: 30_000 })),
  );
  const ghost = await drag(pick.at, pick.drop);
  assert.ok(ghost, 'a chip shows what is dragged');
  assert.equal(ghost.over, String(pick.to), 'the chip names the chief under the pointer');
  assert.ok(ghost.valid && ghost.text.includes(pick.toName), `the chip says where it goes: ${ghost.text}`);
  await page.waitForFunction((n) => window.__wangge.lastDuty && window.__wangge.busy === 0, posts, { timeout: 30_000 });
  await idle();
  assert.equal(duties.length, posts + 1, 'one POST /api/duties');
  assert.deepEqual(duties.at(-1).body, { kind: 'building', targets: [pick.id], chief: pick.to, level: 'resident' });
  const postedAt = duties.at(-1).at;
  assert.deepEqual(await page.evaluate(() => window.__wangge.map.getCenter().toArray()), centre, 'the map did not pan');

  const now = await rows();
  assert.equal(now[pick.from].buildings, before[pick.from].buildings - 1, 'A has one building less');
  assert.equal(now[pick.to].buildings, before[pick.to].buildings + 1, 'B has one building more');
  assert.ok(now[pick.from].workload < before[pick.from].workload, 'A’s workload went down');
  assert.ok(now[pick.to].workload > before[pick.to].workload, 'B’s workload went up');
  assert.equal(now[pick.from].households, before[pick.from].households - s.households, 'A lost the building’s households');
  assert.equal(now[pick.to].households, before[pick.to].households + s.households, 'B gained them');
  await flashed;
  const answer = await page.evaluate(() => window.__wangge.lastDuty);
  for (const c of answer.chiefs) assert.equal(now[c.id].workload, c.load.workload, `the table shows the answer’s figures for chief ${c.id}`);

  const building = await getJson(`/api/buildings/${pick.id}`);
  assert.equal(building.properties.chiefs.resident, pick.to, 'the API names B');
  assert.equal(building.properties.chief, pick.to);
  assert.equal(await page.getAttribute('#chiefs-current', 'data-chief'), String(pick.to), 'the side panel names B');

  // the chiefs tiles were asked for again, and the ones the map holds now carry the new figures
  await page.waitForFunction(
    ({ a, b, na, nb }) => {
      const cm = window.__wangge.chiefsMap;
      return cm.tileFigures(a)?.buildings === na && cm.tileFigures(b)?.buildings === nb;
    },
    { a: pick.from, b: pick.to, na: now[pick.from].buildings, nb: now[pick.to].buildings },
    { timeout: 30_000 },
  );
  assert.ok(
    chiefTiles.some((r) => r.at >= postedAt && r.status === 200),
    `a chiefs tile was served anew after the drop: ${JSON.stringify(chiefTiles.slice(-5))}`,
  );
  const tile = await page.evaluate((a) => window.__wangge.chiefsMap.tileFigures(a), pick.from);
  assert.equal(tile.workload, now[pick.from].workload, 'the tile’s workload is the table’s');
  await shot('chiefs-dragged.png');
});

test('a drop on the same chief, or outside every area, does nothing', { timeout: 60_000 }, async () => {
  const pick = s.building;
  const posts = duties.length;
  const before = await rows();
  // another building, dragged a little way inside its own chief's area (areas are drawn from
  // planning units, a whole compound going to the chief with most of its households, so the
  // building just moved may still stand in A's area)
  let at = null;
  for (const c of s.candidates.filter((x) => x.id !== pick.id && x.from !== pick.from && x.from !== pick.to)) {
    const b = await getJson(`/api/buildings/${c.id}`);
    if (b.properties.chiefs?.resident === c.from) {
      at = { ...c.at, chief: c.from };
      break;
    }
  }
  assert.ok(at, 'another building whose area and duty agree');
  const other = await rows();
  const same = await drag(at, { x: at.x + 6, y: at.y + 5 });
  assert.ok(same && same.over === String(at.chief) && !same.valid, `the chip shows it is the same chief: ${same?.text}`);

  // outside every area: a building by the edge of the sub-district, dropped beyond it
  await page.evaluate(() => {
    // the westernmost corner of all communities lies on the sub-district's outline
    const w = window.__wangge;
    const corners = w.state.liveCommunities.flatMap((f) => f.geometry.coordinates.flat(f.geometry.type === 'Polygon' ? 1 : 2));
    const west = corners.reduce((a, p) => (p[0] < a[0] ? p : a));
    w.map.jumpTo({ center: west, zoom: 16 });
  });
  await settle();
  const out = await page.evaluate(() => {
    const w = window.__wangge;
    const map = w.map;
    const cm = w.chiefsMap;
    const canvas = map.getCanvas().getBoundingClientRect();
    const inView = (p) => p.x > 30 && p.y > 30 && p.x < canvas.width - 30 && p.y < canvas.height - 30;
    for (const f of map.queryRenderedFeatures({ layers: ['buildings'] })) {
      const ring = f.geometry.type === 'Polygon' ? f.geometry.coordinates[0] : f.geometry.coordinates[0][0];
      const c = ring.slice(1).reduce((a, p) => [a[0] + p[0] / (ring.length - 1), a[1] + p[1] / (ring.length - 1)], [0, 0]);
      const p = map.project(c);
      if (!inView(p) || cm.itemAt(p)?.kind !== 'building' || !cm.chiefAt(p)) continue;
      for (let r = 30; r <= 240; r += 15) {
        for (let k = 0; k < 16; k++) {
          const q = { x: p.x + r * Math.cos((k * Math.PI) / 8), y: p.y + r * Math.sin((k * Math.PI) / 8) };
          if (inView(q) && !cm.chiefAt(q) && !cm.itemAt(q)) return { at: { x: p.x + canvas.left, y: p.y + canvas.top }, drop: { x: q.x + canvas.left, y: q.y + canvas.top } };
        }
      }
    }
    return null;
  });
  assert.ok(out, 'a building near the edge of the sub-district is in view');
  const nowhere = await drag(out.at, out.drop);
  assert.ok(nowhere && nowhere.over === '' && !nowhere.valid, `the chip shows no chief: ${nowhere?.text}`);
  await idle();
  assert.equal(duties.length, posts, 'no POST /api/duties');
  const after = await rows();
  for (const id of [pick.from, pick.to]) assert.equal(after[id].buildings, before[id].buildings);
  if (after[at.chief]) assert.equal(after[at.chief].buildings, other[at.chief].buildings);
});

test('a street clicked and given to a chief chosen in the side panel', { timeout: 90_000 }, async () => {
  await showCommunity(s.community, 16.5);
  const street = await page.evaluate(() => {
    const w = window.__wangge;
    const map = w.map;
    const canvas = map.getCanvas().getBoundingClientRect();
    const margin = 60;
    for (const f of map.queryRenderedFeatures({ layers: ['street'] })) {
      const line = f.geometry.type === 'LineString' ? f.geometry.coordinates : f.geometry.coordinates[0];
      for (let i = 1; i < line.length; i++) {
        const p = map.project([(line[i - 1][0] + line[i][0]) / 2, (line[i - 1][1] + line[i][1]) / 2]);
        if (p.x < margin || p.y < margin || p.x > canvas.width - margin || p.y > canvas.height - margin) continue;
        const item = w.chiefsMap.itemAt(p);
        if (item?.kind !== 'street' || item.id !== Number(f.id)) continue;
        const b = line.reduce((a, q) => [Math.min(a[0], q[0]), Math.min(a[1], q[1]), Math.max(a[2], q[0]), Math.max(a[3], q[1])], [180, 90, -180, -90]);
        return { id: item.id, x: p.x + canvas.left, y: p.y + canvas.top, bbox: b };
      }
    }
    return null;
  });
  assert.ok(street, 'a street segment is in view');
  const feature = await streetById(street.id, street.bbox);
  const from = feature.properties.chiefs.resident;
  assert.ok(from, 'the street has a resident chief');
  const posts = duties.length;
  await page.mouse.click(street.x, street.y);
  await page.locator(`#chiefs-picked[data-kind="street"][data-id="${street.id}"]`).waitFor({ timeout: 10_000 });
  await page.locator(`#chiefs-current[data-chief="${from}"]`).waitFor({ timeout: 10_000 });
  assert.equal(duties.length, posts, 'a click gives nothing away');
  assert.ok(await page.isDisabled('#chiefs-assign'), 'nothing to assign before a chief is chosen');
  // the nearest chiefs come first, and the current one is not offered
  const options = await page.$$eval('#chiefs-choose optgroup', (groups) => groups.map((g) => ({ group: g.dataset.group, values: [...g.querySelectorAll('option')].map((o) => Number(o.value)) })));
  assert.equal(options[0].group, 'near');
  assert.ok(!options.some((g) => g.values.includes(from)));
  const to = options[0].values[0];
  const before = await rows();
  await page.selectOption('#chiefs-choose', String(to));
  await page.click('#chiefs-assign');
  await page.locator(`#chiefs-current[data-chief="${to}"]`).waitFor({ timeout: 30_000 });
  await idle();
  assert.equal(duties.length, posts + 1);
  assert.deepEqual(duties.at(-1).body, { kind: 'street', targets: [street.id], chief: to, level: 'resident' });
  const after = await streetById(street.id, street.bbox);
  assert.equal(after.properties.chiefs.resident, to, 'the API names the chosen chief');
  const now = await rows();
  if (before[from]) assert.equal(now[from].streets, before[from].streets - 1);
  if (before[to]) assert.equal(now[to].streets, before[to].streets + 1);
  const answer = await page.evaluate(() => window.__wangge.lastDuty);
  assert.deepEqual(answer.chiefs.map((c) => c.id).sort((a, b) => a - b), [from, to].sort((a, b) => a - b));
  assert.match(await page.textContent('#message-text'), /已改由/);
});

test('a refused reassignment shows the server’s message', { timeout: 30_000 }, async () => {
  const community = await getJson('/api/chiefs?level=community');
  const other = community.chiefs[0].id;
  const res = await page.evaluate(({ id, chief }) => window.__wangge.actions.reassign('building', [id], chief), { id: s.building.id, chief: other });
  assert.equal(res, null);
  const error = await page.evaluate(() => window.__wangge.lastError);
  assert.equal(error.status, 422);
  const text = await page.textContent('#message-text');
  assert.ok(text.startsWith('无法执行') && text.includes(error.error), `the message shows the server’s: ${text}`);
  await page.click('#message-close');
  const building = await getJson(`/api/buildings/${s.building.id}`);
  assert.equal(building.properties.chiefs.resident, s.building.to, 'nothing changed');
});

test('the chiefs mode speaks English too, and nothing left 127.0.0.1', { timeout: 30_000 }, async () => {
  await page.click('#lang');
  assert.equal(await page.textContent('#tool-chiefs'), 'Street chiefs');
  assert.match(await page.textContent('#chiefs-table th[data-col="workload"]'), /Workload/);
  assert.match(await page.textContent('#chiefs-level-resident'), /Resident/);
  await page.click('#chiefs-level-community');
  await page.waitForFunction(() => window.__wangge.roster.length && window.__wangge.roster.every((c) => c.level === 'community'), null, { timeout: 10_000 });
  await page.click('#lang');
  assert.deepEqual(foreignRequests, [], 'no request left 127.0.0.1');
  assert.deepEqual(pageErrors, [], 'no page errors');
});
