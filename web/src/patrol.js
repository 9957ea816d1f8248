// The patrol view (巡查视图): phone first. A street chief (小巷管家/街长) signs in and sees only
// their own area: the map zoomed to it with their compounds highlighted and today's round drawn,
// the compounds by tier (red first), the round as an ordered list, and the workload.

import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './patrol.css';

import { lang, setLang, onLangChange, t, num, htmlLang } from './i18n.js';
import { el } from './util.js';
import { initWork, loadDue, loadProblems, renderDue, renderWorkChrome, resetWork } from './patrol-work.js';

/** CJK fonts for labels: drawn locally (TinySDF), since the style has no glyphs URL. */
const CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const TIER_ORDER = { red: 0, yellow: 1, green: 2 };
const TIER_COLOR = { red: '#D7263D', yellow: '#F2C200', green: '#2E9D48' };

const $ = (id) => document.getElementById(id);

// For tests and the console: `await window.__patrol.ready()` waits until the map has drawn.
const patrol = { map: null, area: null, tasks: null, errors: [], mapReady: null };
patrol.ready = () => patrol.mapReady ?? Promise.resolve();
window.__patrol = patrol;

class HttpError extends Error {
  constructor(status, message, data) {
    super(message);
    this.status = status;
    this.data = data;
  }
}

async function request(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body ? { 'content-type': 'application/json', accept: 'application/json' } : { accept: 'application/json' },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    // not JSON
  }
  if (!res.ok) throw new HttpError(res.status, data?.error ?? `${res.status} ${res.statusText}`, data);
  return data;
}

main();

async function main() {
  renderChrome();
  initWork({ patrol, request, HttpError, describe });
  onLangChange(() => {
    renderChrome();
    renderWorkChrome();
    if (patrol.area) renderArea(patrol.area);
    if (patrol.tasks) renderTasks(patrol.tasks);
  });
  $('signin-form').addEventListener('submit', signIn);
  $('signout').addEventListener('click', signOut);
  $('locate').addEventListener('click', locate);
  status(t('patrol.loading'));
  try {
    await request('GET', 'api/session');
    await loadArea();
  } catch (e) {
    showSignin(e instanceof HttpError && e.status === 401 ? null : e);
  }
}

function status(text) {
  $('status').hidden = !text;
  $('status').textContent = text ?? '';
}

/** The server's error as a sentence in the page's language. */
function describe(e) {
  if (!(e instanceof HttpError)) return t('patrol.error.network');
  if (e.status === 401) return /lock/i.test(e.message) ? t('patrol.error.locked') : t('patrol.error.credentials');
  if (e.status === 429 || /lock/i.test(e.message)) return t('patrol.error.locked');
  if (e.status === 403) return t('patrol.error.forbidden');
  return t('patrol.error.other', { message: e.message });
}

function showSignin(error) {
  status(null);
  resetWork();
  closeMap();
  patrol.area = null;
  $('area').hidden = true;
  $('signin').hidden = false;
  const box = $('signin-error');
  box.hidden = !error;
  box.textContent = error ? describe(error) : '';
}

async function signIn(event) {
  event.preventDefault();
  const username = $('username').value.trim();
  const password = $('password').value;
  const box = $('signin-error');
  if (!username || !password) {
    box.hidden = false;
    box.textContent = t('patrol.error.missing');
    return;
  }
  const button = $('signin-button');
  button.disabled = true;
  button.textContent = t('patrol.loggingIn');
  try {
    await request('POST', 'api/session', { username, password });
    $('password').value = '';
    box.hidden = true;
    await loadArea();
  } catch (e) {
    box.hidden = false;
    box.textContent = describe(e);
    if (e instanceof HttpError && e.status === 403) await request('DELETE', 'api/session').catch(() => {});
  } finally {
    button.disabled = false;
    button.textContent = t('patrol.login');
  }
}

async function signOut() {
  try {
    await request('DELETE', 'api/session');
  } catch {
    // the cookie may already be gone: show the form anyway
  }
  showSignin(null);
}

async function loadArea() {
  status(t('patrol.loading'));
  const area = await request('GET', 'api/me/area');
  patrol.area = area;
  status(null);
  $('signin').hidden = true;
  $('area').hidden = false;
  renderArea(area);
  openMap(area);
  // The area is useful without the tasks, due dates and problems: a failure to load them is a
  // message, not a sign-out.
  await Promise.all([
    loadTasks().catch((e) => status(describe(e))),
    loadDue().catch((e) => status(describe(e))),
    loadProblems().catch((e) => status(describe(e))),
  ]);
}

/** The chief's visit tasks (走访): key sites daily, vulnerable households weekly, every household monthly. */
async function loadTasks() {
  patrol.tasks = await request('GET', 'api/me/tasks');
  renderTasks(patrol.tasks);
}

/** The tasks due today or earlier, overdue first, as the server orders them. */
function dueTasks(list) {
  return (list?.tasks ?? []).filter((task) => task.due <= list.date);
}

function renderTasks(list) {
  const due = dueTasks(list);
  $('tasks-title').textContent = t('patrol.tasks', { n: due.length });
  $('tasks-summary').textContent = t('patrol.tasks.summary', {
    overdue: due.filter((task) => task.overdue).length,
    today: due.filter((task) => !task.overdue).length,
  });
  $('tasks').replaceChildren(
    ...(due.length
      ? due.map((task) => {
          const button = el('button', { type: 'button', class: 'p-btn primary p-visit' }, t('patrol.tasks.visit'));
          button.addEventListener('click', () => visit(task, button));
          const when = task.overdue ? t('patrol.tasks.overdue', { n: task.days_overdue }) : t('patrol.tasks.today');
          return el('li', { class: `p-task ${task.kind}${task.overdue ? ' overdue' : ''}`, 'data-target': task.target }, [
            el('div', { class: 'p-task-main' }, [
              el('span', { class: `p-kind ${task.kind}` }, t(`visit.kind.${task.kind}`)),
              el('span', { class: 'p-task-label' }, task.label),
              el('span', { class: 'p-task-detail' }, task.detail ?? ''),
              el('span', { class: `p-task-due${task.overdue ? ' overdue' : ''}` }, when),
            ]),
            button,
          ]);
        })
      : [el('li', { class: 'p-empty' }, t('patrol.tasks.none'))]),
  );
}

async function visit(task, button) {
  button.disabled = true;
  button.textContent = t('patrol.tasks.saving');
  try {
    await request('POST', 'api/visits', { target: task.target });
    await loadTasks();
  } catch (e) {
    button.disabled = false;
    button.textContent = t('patrol.tasks.visit');
    status(t('patrol.tasks.failed', { message: e.message }));
  }
}

function renderChrome() {
  document.documentElement.lang = htmlLang();
  document.title = t('patrol.title');
  const text = {
    'app-title': 'patrol.title',
    'signin-title': 'patrol.signin',
    'username-label': 'patrol.username',
    'password-label': 'patrol.password',
    'signin-button': 'patrol.login',
    signout: 'patrol.logout',
    locate: 'patrol.locate',
    'load-title': 'patrol.load',
    'round-title': 'patrol.round',
  };
  if (patrol.tasks) renderTasks(patrol.tasks);
  for (const [id, key] of Object.entries(text)) $(id).textContent = t(key);
  $('map').setAttribute('aria-label', t('patrol.map'));
  const button = $('lang');
  button.textContent = t('lang.switch');
  button.title = t('lang.switch.title');
  button.onclick = () => setLang(lang() === 'zh' ? 'en' : 'zh');
}

function renderArea(area) {
  const chief = area.chief ?? {};
  $('chief-name').textContent = [chief.name, chief.level_name ?? chief.role_name].filter(Boolean).join(' · ');
  $('chief-community').textContent = chief.community_name ?? chief.community ?? '';

  const load = area.load ?? {};
  const rows = [
    ['households', num(load.households)],
    ['buildings', num(load.buildings)],
    ['streets', num(load.streets)],
    ['street_m', t('patrol.meters', { n: num(Math.round(load.street_m ?? area.street_m ?? 0)) })],
  ];
  if (load.workload != null) rows.push(['workload', num(Math.round(load.workload * 10) / 10)]);
  if (load.deviation != null) {
    const pct = `${load.deviation > 0 ? '+' : ''}${Math.round(load.deviation * 100)}%`;
    const band = load.within_band == null ? '' : ` · ${t(load.within_band ? 'patrol.load.band' : 'patrol.load.outOfBand')}`;
    rows.push(['deviation', pct + band]);
  }
  $('load').replaceChildren(
    ...rows.map(([k, v]) => el('div', { class: 'p-load-item', 'data-field': k }, [el('dt', {}, t(`patrol.load.${k}`)), el('dd', {}, v)])),
  );

  const compounds = [...(area.compounds ?? [])].sort(
    (a, b) => (TIER_ORDER[a.tier] ?? 3) - (TIER_ORDER[b.tier] ?? 3) || (b.households ?? 0) - (a.households ?? 0),
  );
  $('compounds-title').textContent = t('patrol.compounds', { n: compounds.length });
  $('compounds').replaceChildren(
    ...(compounds.length
      ? compounds.map((c) =>
          el('li', { class: 'p-compound', 'data-code': c.code, 'data-tier': c.tier }, [
            el('span', { class: `p-badge ${c.tier}` }, t(`tier.${c.tier}.short`)),
            el('span', { class: 'p-compound-text' }, [
              el('span', { class: 'p-compound-name' }, c.name || c.code),
              el('span', { class: 'p-compound-detail' }, [
                t('patrol.compound.detail', { households: num(c.households), buildings: num(c.buildings) }),
                ' · ',
                c.tier_name ?? t(`tier.${c.tier}`),
              ]),
            ]),
          ]),
        )
      : [el('li', { class: 'p-empty' }, t('patrol.compounds.none'))]),
  );
  // the 巡查登记 button and next due date of each compound (patrol-work.js)
  renderDue();

  const round = [...(area.round ?? [])].sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
  $('round').replaceChildren(
    ...(round.length
      ? round.map((s) =>
          el('li', { class: 'p-stop', 'data-kind': s.kind, 'data-code': s.code ?? null }, [
            el('span', { class: 'p-stop-order' }, String(s.order)),
            s.tier ? el('span', { class: `p-dot ${s.tier}` }) : null,
            el('span', { class: 'p-stop-name' }, s.name || s.code || ''),
            el('span', { class: 'p-stop-kind' }, t(`patrol.kind.${s.kind}`)),
          ]),
        )
      : [el('li', { class: 'p-empty' }, t('patrol.round.none'))]),
  );
}

function closeMap() {
  if (patrol.map) patrol.map.remove();
  patrol.map = null;
  patrol.mapReady = null;
  $('locate-msg').hidden = true;
}

function openMap(area) {
  closeMap();
  const bbox = area.bbox;
  const map = new maplibregl.Map({
    container: 'map',
    // The patrol style draws only the signed-in chief's own tiles (/tiles/patrol/…, by the
    // session cookie) over the public street network.
    style: new URL('styles/patrol.json', location.href).href,
    bounds: bbox ? [[bbox[0], bbox[1]], [bbox[2], bbox[3]]] : undefined,
    fitBoundsOptions: { padding: 24, maxZoom: 18 },
    localIdeographFontFamily: CJK_FONTS,
    attributionControl: { compact: true },
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    maxZoom: 19,
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  patrol.map = map;
  map.on('error', (e) => {
    const message = e?.error?.message ?? String(e?.error ?? e);
    patrol.errors.push(message);
    console.error('map error:', message);
  });
  patrol.mapReady = new Promise((resolve) => {
    map.once('load', () => {
      drawRound(map, area.round ?? []);
      map.once('idle', resolve);
    });
  });
}

/** Today's round: a line through the stops in walking order, a numbered dot at each stop. */
function drawRound(map, stops) {
  const ordered = [...stops].sort((a, b) => (a.order ?? 0) - (b.order ?? 0)).filter((s) => s.lon != null && s.lat != null);
  const features = ordered.map((s) => ({
    type: 'Feature',
    properties: { order: s.order, tier: s.tier ?? '', kind: s.kind },
    geometry: { type: 'Point', coordinates: [s.lon, s.lat] },
  }));
  if (ordered.length > 1) {
    features.unshift({
      type: 'Feature',
      properties: { line: true },
      geometry: { type: 'LineString', coordinates: ordered.map((s) => [s.lon, s.lat]) },
    });
  }
  map.addSource('round', { type: 'geojson', data: { type: 'FeatureCollection', features } });
  map.addLayer({
    id: 'round-line',
    type: 'line',
    source: 'round',
    filter: ['==', ['geometry-type'], 'LineString'],
    layout: { 'line-join': 'round', 'line-cap': 'round' },
    paint: { 'line-color': '#1d4ed8', 'line-width': 3, 'line-dasharray': [2, 1.5] },
  });
  map.addLayer({
    id: 'round-stops',
    type: 'circle',
    source: 'round',
    filter: ['==', ['geometry-type'], 'Point'],
    paint: {
      'circle-radius': 6,
      'circle-color': ['match', ['get', 'tier'], 'red', TIER_COLOR.red, 'yellow', TIER_COLOR.yellow, 'green', TIER_COLOR.green, '#ffffff'],
      'circle-stroke-color': '#1d4ed8',
      'circle-stroke-width': 2.5,
    },
  });
}

function locateMessage(text) {
  const box = $('locate-msg');
  box.hidden = !text;
  box.textContent = text ?? '';
}

function locate() {
  if (!navigator.geolocation) return locateMessage(t('patrol.locate.unsupported'));
  locateMessage(t('patrol.locate.busy'));
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      const map = patrol.map;
      if (!map) return;
      const point = [pos.coords.longitude, pos.coords.latitude];
      const data = { type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: point } };
      if (map.getSource('me')) map.getSource('me').setData(data);
      else {
        map.addSource('me', { type: 'geojson', data });
        map.addLayer({
          id: 'me',
          type: 'circle',
          source: 'me',
          paint: { 'circle-radius': 8, 'circle-color': '#2563eb', 'circle-stroke-color': '#fff', 'circle-stroke-width': 3 },
        });
      }
      map.easeTo({ center: point, zoom: Math.max(map.getZoom(), 16) });
      locateMessage(t('patrol.locate.ok', { m: Math.round(pos.coords.accuracy) }));
    },
    (err) =>
      locateMessage(err.code === err.PERMISSION_DENIED ? t('patrol.locate.denied') : t('patrol.locate.unavailable')),
    { enableHighAccuracy: true, timeout: 15_000, maximumAge: 30_000 },
  );
}
