// The planner view (规划视图): drafts of the grid plan, edited on the map with a live balance table;
// undo/redo, publish, and a comparison of two plans.

import { requireUser } from './auth.js';
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';
import './planner.css';

import { lang, setLang, onLangChange, t, num, htmlLang } from './i18n.js';
import { plans, live, chiefs as chiefsApi, PlanApiError } from './planner-api.js';
import { PlanMap, shortCode } from './planner-map.js';
import { ChiefsMap } from './planner-chiefs.js';
import { balanceTable, compareView, chiefTable, deviationPercent } from './planner-tables.js';
import { el } from './util.js';

const $ = (id) => document.getElementById(id);
const LEVELS = ['secondary', 'micro'];
const TOOLS = ['select', 'paint', 'split', 'merge', 'rebalance', 'lock', 'redraw', 'compare', 'chiefs'];
/** Chief levels (街长 are resident, community or sub-district chiefs). */
const CHIEF_LEVELS = ['resident', 'community', 'subdistrict'];
/** How long the rows a reassignment changed stay flashed (ms). */
const FLASH_MS = 2500;
/** How many of the nearest chiefs the chooser lists first. */
const NEAREST = 6;
/** Tools that change the plan: only for drafts. */
const EDIT_TOOLS = new Set(['paint', 'split', 'merge', 'rebalance', 'lock', 'redraw']);

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
ready.catch(() => {});

const state = {
  meta: null,
  levels: new Map(),
  plans: [],
  plan: null, // { info, locked, history, can_undo, can_redo }
  communities: [], // features of the plan's communities
  zone: null, // community code
  level: 'secondary',
  parentGrid: '', // for micro-grids: a secondary grid code, or '' for all of the community
  parentGrids: [], // the community's secondary grids (features), for that choice
  zones: null, // the grids in view (FeatureCollection)
  balance: null,
  tool: 'select',
  selection: [], // grid codes, in the order clicked
  target: null, // paint target
  brush: 'compound',
  draft: null, // split line being drawn: [[lon, lat], ...] or null
  creating: false,
  compare: null, // { a, b, level, result }
  compareChoice: { a: 'live', b: null },
  dock: 'balance',
  message: null,
  // street chiefs (live duties, not part of a plan)
  chiefLevel: 'resident',
  chiefCommunity: null, // live community code the table shows, '' for all, null until chosen
  liveCommunities: [], // features of the live communities
  roster: [], // every chief of chiefLevel with their live load
  chiefSort: { key: 'workload', dir: -1 },
  chiefFlash: new Set(),
  chiefHighlight: null,
  picked: null, // { kind, id, name, geometry, lngLat, area, detail }
  pickChoice: null, // the chief chosen for the picked item
};

// For tests and the console: `await __wangge.ready`; `await __wangge.idle()` after an action.
const wangge = {
  map: null,
  ready,
  errors: [],
  state,
  plan: null,
  plans: [],
  balance: null,
  zones: null,
  lastError: null,
  lastMessage: null,
  lastResult: null,
  lastEdit: null,
  lastDuty: null,
  roster: [],
  busy: 0,
};
window.__wangge = wangge;

let planMap = null;
let queue = Promise.resolve();
let loadSeq = 0;

/** Runs `fn` after every action before it: edits are based on the version the last one left. */
function enqueue(fn) {
  wangge.busy++;
  renderBusy();
  const p = queue.then(fn).finally(() => {
    wangge.busy--;
    renderBusy();
  });
  queue = p.catch(() => {});
  return p;
}
wangge.idle = () => queue.then(() => (wangge.busy ? wangge.idle() : undefined));
wangge.settle = () => planMap?.settle();
/** Fits the map to the area in view (the community, or the secondary grid of micro-grids). */
wangge.fitArea = () => fitArea({ animate: false });
/** Page coordinates of a lon/lat on the map (for tests: click there). */
wangge.project = (lon, lat) => {
  const box = planMap.map.getCanvas().getBoundingClientRect();
  const p = planMap.map.project([lon, lat]);
  return { x: box.left + p.x, y: box.top + p.y };
};

main().catch((e) => {
  console.error(e);
  showFatal(e);
  rejectReady(e);
});

async function main() {
  document.documentElement.lang = htmlLang();
  initUser();
  renderChrome();
  renderAll();
  onLangChange(() => {
    document.documentElement.lang = htmlLang();
    renderChrome();
    renderAll();
    planMap?.localize();
    planMap?.relabel(householdUnit);
  });
  wireKeys();

  // Drawing and publishing grids is for planners (and administrators); who made each change is
  // the signed-in user.
  const user = await requireUser({ roles: ['admin', 'planner'] });
  const who = $('user');
  who.value = user.display_name || user.username;
  who.readOnly = true;
  const [meta, levels, communities] = await Promise.all([live.meta(), live.levels(), live.communities().catch(() => null)]);
  state.liveCommunities = [...(communities?.features ?? [])].sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  state.meta = meta;
  state.levels = new Map(levels.levels.map((l) => [l.key, l]));
  $('place').textContent = meta.name ?? '';
  renderChrome();

  planMap = new PlanMap($('map'), {
    bounds: meta.bbox,
    center: meta.center,
    attribution: meta.attribution,
    onClick: onMapClick,
    onStroke,
    onError: (message) => {
      wangge.errors.push(message);
      console.error('map error:', message);
    },
  });
  wangge.map = planMap.map;
  wangge.planMap = planMap;
  planMap.chiefs = new ChiefsMap(planMap, {
    onPick: pickItem,
    onDrop: dropItem,
    label: dragLabel,
  });
  wangge.chiefsMap = planMap.chiefs;

  const fromHash = readHash();
  await Promise.all([planMap.loaded, loadPlans()]);
  planMap.chiefs.prepare();
  planMap.chiefs.setLevel(state.chiefLevel);
  // the table's swatches come from the loaded tiles: redraw it when new ones bring new colours
  let swatches = '';
  planMap.map.on('idle', () => {
    if (state.tool !== 'chiefs' || state.dock !== 'chiefs') return;
    const now = [...planMap.chiefs.colours()].sort((a, b) => a[0] - b[0]).join(';');
    if (now !== swatches) {
      swatches = now;
      renderDock();
    }
  });
  const pick =
    state.plans.find((p) => String(p.id) === fromHash.plan) ??
    state.plans.find((p) => p.status === 'draft') ??
    state.plans[0];
  if (fromHash.level && LEVELS.includes(fromHash.level)) state.level = fromHash.level;
  if (fromHash.zone) state.zone = fromHash.zone;
  if (pick) await selectPlan(pick.id, { fit: true });
  planMap.setGrids(state.zones ?? { type: 'FeatureCollection', features: [] }, { unit: householdUnit });
  await planMap.settle();
  $('app').classList.add('map-ready');
  resolveReady();
}

// ---------------------------------------------------------------- loading

async function loadPlans() {
  const list = await plans.list();
  state.plans = Array.isArray(list) ? list : (list?.plans ?? []);
  wangge.plans = state.plans;
  renderPlans();
}

/** Opens a plan: its details, its communities, then the grids and balance of the area in view. */
async function selectPlan(id, { fit = false } = {}) {
  const seq = ++loadSeq;
  const [detail, communities] = await Promise.all([plans.get(id), plans.zones(id, { level: 'community' })]);
  if (seq !== loadSeq) return;
  const samePlan = state.plan?.info.id === detail.info.id;
  setPlan(detail);
  state.communities = [...(communities?.features ?? [])].sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  const codes = new Set(state.communities.map((f) => f.properties.code));
  const zoneChanged = !codes.has(state.zone);
  if (zoneChanged) state.zone = state.communities[0]?.properties.code ?? null;
  if (!samePlan) {
    state.selection = [];
    state.target = null;
    state.draft = null;
    planMap?.setDraft(null);
    if (!EDIT_TOOLS.has(state.tool) || editable()) {
      // keep the tool
    } else {
      state.tool = 'select';
    }
    state.compareChoice = { a: 'live', b: detail.info.id };
    state.compare = null;
    wangge.compare = null;
    planMap?.setCompare(null);
    state.dock = state.tool === 'chiefs' ? 'chiefs' : 'balance';
  }
  renderAll();
  await refreshArea({ fit: fit || zoneChanged || !samePlan });
  writeHash();
}

function setPlan(detail) {
  state.plan = detail;
  wangge.plan = detail;
  if (!editable() && EDIT_TOOLS.has(state.tool)) state.tool = 'select';
}

/** The code the grids and the balance are asked for. */
function areaCode() {
  return state.level === 'micro' && state.parentGrid ? state.parentGrid : state.zone;
}

/** Reloads the grids in view and their balance (and, for micro-grids, the secondary grids). */
async function refreshArea({ fit = false } = {}) {
  const plan = state.plan;
  if (!plan || !state.zone) {
    state.zones = null;
    state.balance = null;
    planMap?.setGrids({ type: 'FeatureCollection', features: [] }, { unit: householdUnit });
    renderAll();
    return;
  }
  const seq = ++loadSeq;
  const id = plan.info.id;
  const zone = areaCode();
  const [zones, parents] = await Promise.all([
    plans.zones(id, { level: state.level, zone }),
    state.level === 'micro' ? plans.zones(id, { level: 'secondary', zone: state.zone }) : Promise.resolve(null),
  ]);
  if (seq !== loadSeq) return;
  const balance = await familyBalance(id, zones);
  if (seq !== loadSeq) return;
  state.zones = zones;
  state.balance = balance;
  wangge.zones = zones;
  wangge.balance = balance;
  if (parents) {
    state.parentGrids = [...parents.features].sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
    if (state.parentGrid && !state.parentGrids.some((f) => f.properties.code === state.parentGrid)) state.parentGrid = '';
  }
  const present = new Set((zones?.features ?? []).map((f) => f.properties.code));
  state.selection = state.selection.filter((c) => present.has(c));
  if (state.target && !present.has(state.target)) state.target = null;
  planMap?.setGrids(zones, { unit: householdUnit });
  planMap?.setSelection(highlighted());
  if (fit) fitArea();
  renderAll();
}

/**
 * The balance of the grids in view. The API reports one family (the grids of one level under
 * their direct parent: secondary grids sit under a primary grid, micro-grids under a secondary
 * one), so it is asked once per parent among the grids shown, and the answers are joined.
 */
async function familyBalance(id, zones) {
  const parents = [...new Set((zones?.features ?? []).map((f) => f.properties.parent).filter(Boolean))].sort();
  const empty = { parent: areaCode(), level: state.level, bounds: null, grids: [], warnings: [] };
  if (!parents.length) return empty;
  const reports = await Promise.all(
    parents.map((parent) =>
      plans.balance(id, { level: state.level, zone: parent }).catch((e) => {
        reportError(e);
        return null;
      }),
    ),
  );
  const ok = reports.filter(Boolean);
  if (!ok.length) return null;
  if (ok.length === 1) return ok[0];
  return {
    parent: areaCode(),
    parents,
    level: state.level,
    bounds: ok.find((r) => r.bounds)?.bounds ?? null,
    grids: ok.flatMap((r) => r.grids ?? []).sort((a, b) => String(a.code).localeCompare(String(b.code))),
    warnings: ok.flatMap((r) => r.warnings ?? []),
  };
}

/** After an edit, undo or redo: the plan's details and the area in view, together. */
async function refreshPlan() {
  const id = state.plan.info.id;
  const detail = await plans.get(id);
  if (state.plan?.info.id !== id) return;
  setPlan(detail);
  await refreshArea();
  if (state.compare && [String(state.compare.a), String(state.compare.b)].includes(String(id))) {
    await runCompare(state.compare.a, state.compare.b, { quiet: true });
  }
}

function fitArea({ animate = true } = {}) {
  const code = areaCode();
  const feature =
    state.communities.find((f) => f.properties.code === code) ??
    state.parentGrids.find((f) => f.properties.code === code) ??
    state.communities.find((f) => f.properties.code === state.zone);
  if (feature?.geometry) planMap?.fit(feature.geometry, { animate });
  else if (state.zones?.features?.length) planMap?.fit(collectionBounds(state.zones), { animate });
}

function collectionBounds(fc) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else for (const x of c) walk(x);
  };
  for (const f of fc.features) if (f.geometry) walk(f.geometry.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}

// ---------------------------------------------------------------- actions

function editable() {
  return state.plan?.info.status === 'draft';
}

function user() {
  const v = $('user')?.value.trim();
  return v || t('planner.user.default');
}

/** Sends one edit of the current plan; resolves to the server's answer, or null when refused. */
function edit(op) {
  return enqueue(async () => {
    if (!editable()) return null;
    const plan = state.plan;
    wangge.lastEdit = op;
    try {
      const res = await plans.edit(plan.info.id, plan.info.version, user(), op);
      wangge.lastResult = res;
      wangge.lastError = null;
      if (res?.info) state.plan.info = res.info;
      state.dock = 'balance';
      setMessage({ kind: 'ok', raw: res?.summary ?? '' });
      await refreshPlan();
      return res;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

function undoRedo(which) {
  return enqueue(async () => {
    if (!editable()) return null;
    const plan = state.plan;
    try {
      const res = await plans[which](plan.info.id, plan.info.version, user());
      wangge.lastResult = res;
      wangge.lastError = null;
      if (res?.info) state.plan.info = res.info;
      state.dock = 'balance';
      setMessage({ kind: 'ok', raw: res?.summary ?? '' });
      await refreshPlan();
      return res;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

async function publish() {
  const info = state.plan?.info;
  if (!info || !editable()) return null;
  const ok = await confirmDialog(t('publish.title'), t('publish.confirm', { name: info.name, version: info.version }), t('action.publish'));
  if (!ok) return null;
  return enqueue(async () => {
    try {
      const res = await plans.publish(info.id, state.plan.info.version, user());
      wangge.lastResult = res;
      wangge.lastError = null;
      setMessage({ kind: 'ok', key: 'publish.done', params: { name: info.name, version: res?.data_version ?? '' } });
      await loadPlans();
      await selectPlan(info.id);
      planMap?.reloadBase();
      return res;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

async function discard() {
  const info = state.plan?.info;
  if (!info || !editable()) return null;
  const ok = await confirmDialog(t('discard.title'), t('discard.confirm', { name: info.name }), t('action.discard'));
  if (!ok) return null;
  return enqueue(async () => {
    try {
      const res = await plans.discard(info.id, state.plan.info.version, user());
      wangge.lastResult = res;
      wangge.lastError = null;
      setMessage({ kind: 'ok', key: 'discard.done', params: { name: info.name } });
      await loadPlans();
      await selectPlan(info.id);
      return res;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

function createPlan(name) {
  return enqueue(async () => {
    try {
      const info = await plans.create(name, user());
      wangge.lastResult = info;
      wangge.lastError = null;
      state.creating = false;
      const created = info?.info ?? info;
      setMessage({ kind: 'ok', key: 'created.done', params: { name: created?.name ?? name } });
      await loadPlans();
      await selectPlan(created.id, { fit: true });
      return created;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

/** Reloads the current plan after a conflict: its version, history, grids and balance. */
function reloadPlan() {
  return enqueue(async () => {
    clearMessage();
    try {
      await loadPlans();
      if (state.plan) await selectPlan(state.plan.info.id);
    } catch (e) {
      reportError(e);
    }
  });
}

function runCompare(a, b, { quiet = false } = {}) {
  const job = async () => {
    try {
      const result = await plans.compare(a, b, state.level);
      state.compare = { a, b, level: state.level, result };
      wangge.compare = result;
      planMap?.setCompare(result?.changed ?? null);
      if (!quiet) state.dock = 'compare';
      renderTools();
      renderDock();
      return result;
    } catch (e) {
      reportError(e);
      return null;
    }
  };
  return quiet ? job() : enqueue(job);
}

function clearCompare() {
  state.compare = null;
  wangge.compare = null;
  planMap?.setCompare(null);
  state.dock = 'balance';
  renderAll();
}

// ---------------------------------------------------------------- selection and tools

/** The grids outlined on the map: the selection, or the paint target. */
function highlighted() {
  if (state.tool === 'paint') return state.target ? [state.target] : [];
  return state.selection;
}

function setTool(tool) {
  if (!TOOLS.includes(tool)) return;
  if (EDIT_TOOLS.has(tool) && !editable()) return;
  const was = state.tool;
  state.tool = tool;
  state.draft = null;
  planMap?.setDraft(null);
  if (tool === 'chiefs' && was !== 'chiefs') {
    state.dock = 'chiefs';
    enqueue(() => loadRoster().catch(reportError));
  } else if (tool !== 'chiefs' && was === 'chiefs') {
    state.dock = 'balance';
    setPicked(null);
  }
  if (tool === 'paint' && !state.target && state.selection.length === 1) state.target = state.selection[0];
  if (tool !== 'merge' && tool !== 'rebalance' && state.selection.length > 1) state.selection = state.selection.slice(-1);
  planMap?.setSelection(highlighted());
  renderTools();
  renderDock();
}
wangge.setTool = setTool;

function chooseGrid(code, how) {
  if (!code) return;
  switch (state.tool) {
    case 'paint':
      state.target = code;
      break;
    case 'merge':
      state.selection = state.selection.includes(code) ? state.selection.filter((c) => c !== code) : [...state.selection, code];
      break;
    case 'rebalance':
      state.selection = state.selection.includes(code) ? state.selection.filter((c) => c !== code) : [...state.selection, code].slice(-2);
      break;
    default:
      state.selection = how === 'map' && state.selection.length === 1 && state.selection[0] === code ? [] : [code];
  }
  planMap?.setSelection(highlighted());
  renderTools();
  renderDock();
}

function onMapClick(hit) {
  if (!state.plan) return;
  const tool = state.tool;
  if (tool === 'chiefs') return; // the chiefs' layer handles its own clicks and drags
  if (tool === 'paint') {
    // with a target, the map paints (strokes, below); without one, a click picks it
    if (!state.target) chooseGrid(hit.grid, 'map');
    return;
  }
  if (tool === 'split' && state.draft) {
    state.draft = [...state.draft, hit.lngLat];
    planMap?.setDraft(state.draft);
    renderTools();
    return;
  }
  chooseGrid(hit.grid, 'map');
}

const round7 = (v) => Math.round(v * 1e7) / 1e7;

/**
 * A paint stroke (a click, or a drag over the map) moves what it passed over into the target
 * grid, in one edit: with the compound brush the compounds it touched (by code) and the land
 * elsewhere (as points); with the place brush the planning unit under every sample (points).
 */
function onStroke(samples) {
  if (!samples.length || !state.target || !editable()) return;
  const compounds = new Set();
  const points = [];
  for (const s of samples) {
    if (state.brush === 'compound' && s.compound) compounds.add(s.compound);
    else points.push(s.lngLat.map(round7));
  }
  const op = { op: 'move', to: state.target };
  if (compounds.size) op.compounds = [...compounds];
  if (points.length) op.points = points;
  edit(op);
}

/** Whether the map paints (drags paint instead of panning). */
function syncMapMode() {
  if (planMap) planMap.paintMode = state.tool === 'paint' && editable() && !!state.target;
  planMap?.chiefs?.setActive(state.tool === 'chiefs');
}

function gridName(code) {
  const f = state.zones?.features.find((x) => x.properties.code === code);
  return f ? `${shortCode(code, f.properties.parent)} ${f.properties.name ?? ''}`.trim() : code;
}

function isLocked(code) {
  const f = state.zones?.features.find((x) => x.properties.code === code);
  if (f && typeof f.properties.locked === 'boolean') return f.properties.locked;
  return (state.plan?.locked ?? []).includes(code);
}

// ---------------------------------------------------------------- rendering

function renderAll() {
  renderPlans();
  renderScope();
  renderTools();
  renderHistory();
  renderDock();
  renderMessage();
  renderBusy();
}

function renderChrome() {
  document.title = `${state.meta?.name ? `${state.meta.name} · ` : ''}${t('planner.title')}`;
  $('app-title').textContent = t('planner.title');
  $('map').setAttribute('aria-label', t('planner.map'));
  $('side').setAttribute('aria-label', t('planner.plans'));
  $('user-label').textContent = t('planner.user');
  const leader = $('to-leader');
  leader.textContent = t('nav.leader');
  leader.title = t('nav.leader.title');
  const button = $('lang');
  button.textContent = t('lang.switch');
  button.title = t('lang.switch.title');
  button.onclick = () => setLang(lang() === 'zh' ? 'en' : 'zh');
  const loading = $('loading');
  if (loading && !loading.classList.contains('error')) loading.textContent = t('app.loading');
  $('busy').textContent = t('planner.busy');
}

function when(ms) {
  if (ms == null) return '—';
  return new Date(ms).toLocaleString(lang() === 'zh' ? 'zh-CN' : 'en-GB', {
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  });
}

function statusChip(status) {
  return el('span', { class: `status-chip status-${status}`, 'data-status': status }, t(`planner.status.${status}`));
}

function householdUnit(n) {
  return t('unit.households', { n: num(n) }) + (lang() === 'zh' ? '' : ' hh');
}

function renderPlans() {
  const root = $('plans');
  root.replaceChildren();
  root.append(
    el('div', { class: 'section-head' }, [
      el('h2', { class: 'section-title' }, t('planner.plans')),
      el(
        'button',
        {
          id: 'new-plan',
          type: 'button',
          class: 'btn primary',
          'aria-expanded': String(state.creating),
          onclick: () => {
            state.creating = !state.creating;
            renderPlans();
            if (state.creating) $('new-name')?.select();
          },
        },
        `＋ ${t('planner.new')}`,
      ),
    ]),
  );
  if (state.creating) {
    const today = new Date().toISOString().slice(0, 10);
    const input = el('input', { id: 'new-name', type: 'text', value: t('planner.new.default', { date: today }), maxlength: '80', required: true });
    root.append(
      el(
        'form',
        {
          class: 'new-plan',
          id: 'new-plan-form',
          onsubmit: (e) => {
            e.preventDefault();
            const name = input.value.trim();
            if (name) createPlan(name);
          },
        },
        [
          el('label', { for: 'new-name' }, t('planner.new.name')),
          input,
          el('div', { class: 'row' }, [
            el('button', { id: 'create-plan', type: 'submit', class: 'btn primary' }, t('planner.new.create')),
            el(
              'button',
              {
                type: 'button',
                class: 'btn',
                onclick: () => {
                  state.creating = false;
                  renderPlans();
                },
              },
              t('action.cancel'),
            ),
          ]),
        ],
      ),
    );
  }
  const plan = state.plan;
  if (plan) {
    const info = plan.info;
    const latest = [...(plan.history ?? [])].sort((a, b) => (b.version ?? 0) - (a.version ?? 0))[0];
    root.append(
      el('div', { class: 'plan-card', id: 'plan-info', 'data-id': String(info.id), 'data-status': info.status, 'data-version': String(info.version) }, [
        el('div', { class: 'plan-name' }, [el('span', { id: 'plan-name' }, info.name), statusChip(info.status)]),
        el('div', { class: 'plan-facts' }, [
          el('span', { class: 'plan-version', id: 'plan-version' }, t('planner.version', { n: num(info.version) })),
          el(
            'span',
            { id: 'plan-last' },
            latest
              ? t('planner.lastChange', { by: latest.by, when: when(latest.at_ms) })
              : t('planner.created', { by: info.created_by, when: when(info.created_at_ms) }),
          ),
          info.published_at_ms ? el('span', {}, t('planner.published', { by: info.published_by ?? '—', when: when(info.published_at_ms) })) : null,
        ]),
        !editable() ? el('p', { class: 'readonly-note' }, t('planner.readonly', { status: t(`planner.status.${info.status}`) })) : null,
      ]),
    );
  }
  if (!state.plans.length) {
    root.append(el('p', { class: 'side-note', id: 'no-plans' }, t('planner.noPlans')));
    return;
  }
  root.append(
    el(
      'ul',
      { class: 'plan-list', id: 'plan-list' },
      state.plans.map((p) =>
        el('li', {}, [
          el(
            'button',
            {
              type: 'button',
              class: 'plan-item',
              'data-id': String(p.id),
              'data-status': p.status,
              'aria-current': String(state.plan?.info.id === p.id),
              onclick: () => enqueue(() => selectPlan(p.id, { fit: false }).catch(reportError)),
            },
            [
              el('span', { class: 'plan-item-name' }, p.name),
              statusChip(p.status),
              el('span', { class: 'plan-item-facts' }, `${t('planner.version', { n: num(p.version) })} · ${p.created_by ?? ''}`),
            ],
          ),
        ]),
      ),
    ),
  );
}

function levelLabel(key) {
  return t(`planner.level.${key}`);
}

function renderScope() {
  const root = $('scope');
  root.replaceChildren();
  root.append(el('h2', { class: 'section-title' }, t('planner.scope')));
  if (!state.plan) {
    root.append(el('p', { class: 'side-note' }, t('planner.pick')));
    return;
  }
  const zoneSelect = el(
    'select',
    {
      id: 'zone',
      onchange: (e) => {
        state.zone = e.target.value;
        state.parentGrid = '';
        state.selection = [];
        state.target = null;
        enqueue(() => refreshArea({ fit: true }).then(writeHash).catch(reportError));
      },
    },
    state.communities.map((f) => el('option', { value: f.properties.code, selected: f.properties.code === state.zone }, `${f.properties.name} · ${f.properties.code}`)),
  );
  root.append(el('label', { class: 'field' }, [el('span', {}, t('planner.zone')), zoneSelect]));
  root.append(
    el('div', { class: 'field' }, [
      el('span', { id: 'level-label' }, t('planner.level')),
      el(
        'div',
        { class: 'segmented', role: 'group', 'aria-labelledby': 'level-label' },
        LEVELS.map((key) =>
          el(
            'button',
            {
              type: 'button',
              id: `level-${key}`,
              class: 'seg-btn',
              'aria-pressed': String(state.level === key),
              onclick: () => {
                if (state.level === key) return;
                state.level = key;
                state.parentGrid = '';
                state.selection = [];
                state.target = null;
                if (state.compare) clearCompare();
                enqueue(() => refreshArea({ fit: true }).then(writeHash).catch(reportError));
              },
            },
            levelLabel(key),
          ),
        ),
      ),
    ]),
  );
  if (state.level === 'micro') {
    const parentSelect = el(
      'select',
      {
        id: 'parent-grid',
        onchange: (e) => {
          state.parentGrid = e.target.value;
          state.selection = [];
          state.target = null;
          enqueue(() => refreshArea({ fit: true }).catch(reportError));
        },
      },
      [
        el('option', { value: '', selected: !state.parentGrid }, t('planner.parentGrid.all')),
        ...state.parentGrids.map((f) =>
          el('option', { value: f.properties.code, selected: f.properties.code === state.parentGrid }, `${shortCode(f.properties.code, f.properties.parent)} ${f.properties.name ?? ''}`),
        ),
      ],
    );
    root.append(el('label', { class: 'field' }, [el('span', {}, t('planner.parentGrid')), parentSelect]));
  }
}

function button(id, label, onclick, { cls = 'btn', disabled = false, title } = {}) {
  return el('button', { id, type: 'button', class: cls, disabled, title, onclick }, label);
}

function renderTools() {
  syncMapMode();
  const root = $('tools');
  root.replaceChildren();
  root.append(el('h2', { class: 'section-title' }, t('planner.tools')));
  const canEdit = editable();
  const plan = state.plan;
  // without a plan only the street chiefs (live duties) can be worked on
  if (!plan && state.tool !== 'chiefs') state.tool = 'select';
  if (plan) {
    root.append(
      el('div', { class: 'row actions' }, [
        button('undo', `↶ ${t('action.undo')}`, () => undoRedo('undo'), { cls: 'btn big', disabled: !canEdit || !plan.can_undo }),
        button('redo', `↷ ${t('action.redo')}`, () => undoRedo('redo'), { cls: 'btn big', disabled: !canEdit || !plan.can_redo }),
      ]),
    );
  }
  root.append(
    el(
      'div',
      { class: 'tool-grid', role: 'toolbar', 'aria-label': t('planner.tools') },
      TOOLS.map((tool) =>
        el(
          'button',
          {
            type: 'button',
            id: `tool-${tool}`,
            class: 'tool-btn',
            'data-tool': tool,
            'aria-pressed': String(state.tool === tool),
            disabled: (EDIT_TOOLS.has(tool) && !canEdit) || (!plan && tool !== 'chiefs'),
            onclick: () => setTool(tool),
          },
          t(`tool.${tool}`),
        ),
      ),
    ),
  );
  if (!plan && state.tool !== 'chiefs') {
    root.append(el('p', { class: 'side-note' }, t('planner.pick')));
    return;
  }
  const panel = el('div', { class: 'tool-panel', id: 'tool-panel', 'data-tool': state.tool });
  panel.append(el('p', { class: 'help' }, t(`help.${state.tool}`)));
  const grids = (state.zones?.features ?? []).map((f) => f.properties.code).sort();
  switch (state.tool) {
    case 'paint': {
      panel.append(
        el('label', { class: 'field' }, [
          el('span', {}, t('paint.target')),
          el(
            'select',
            {
              id: 'paint-target',
              onchange: (e) => {
                state.target = e.target.value || null;
                syncMapMode();
                planMap?.setSelection(highlighted());
                renderDock();
              },
            },
            [
              el('option', { value: '', selected: !state.target }, t('paint.target.none')),
              ...grids.map((code) => el('option', { value: code, selected: code === state.target }, gridName(code))),
            ],
          ),
        ]),
      );
      panel.append(
        el('div', { class: 'field' }, [
          el('span', { id: 'brush-label' }, t('paint.brush')),
          el(
            'div',
            { class: 'segmented', role: 'group', 'aria-labelledby': 'brush-label' },
            ['compound', 'place'].map((b) =>
              button(
                `brush-${b}`,
                t(`paint.brush.${b}`),
                () => {
                  state.brush = b;
                  renderTools();
                },
                { cls: 'seg-btn' },
              ),
            ),
          ),
        ]),
      );
      for (const b of ['compound', 'place']) panel.querySelector(`#brush-${b}`).setAttribute('aria-pressed', String(state.brush === b));
      break;
    }
    case 'split': {
      const grid = state.selection[0];
      panel.append(el('p', { class: 'chosen' }, grid ? gridName(grid) : '—'));
      if (state.draft) {
        panel.append(el('p', { class: 'help strong' }, t('split.drawing', { n: state.draft.length })));
        panel.append(
          el('div', { class: 'row' }, [
            button('split-finish', t('split.finish'), () => {
              const line = state.draft;
              state.draft = null;
              planMap?.setDraft(null);
              renderTools();
              if (grid && line.length >= 2) edit({ op: 'split', grid, line });
            }, { cls: 'btn primary', disabled: !grid || state.draft.length < 2 }),
            button('split-undo-point', t('split.undoPoint'), () => {
              state.draft = state.draft.slice(0, -1);
              planMap?.setDraft(state.draft);
              renderTools();
            }, { disabled: !state.draft.length }),
            button('split-cancel', t('action.cancel'), () => {
              state.draft = null;
              planMap?.setDraft(null);
              renderTools();
            }),
          ]),
        );
      } else {
        panel.append(
          el('div', { class: 'row' }, [
            button('split-auto', t('split.auto'), () => edit({ op: 'split', grid }), { cls: 'btn primary', disabled: !grid }),
            button('split-draw', t('split.draw'), () => {
              state.draft = [];
              planMap?.setDraft(state.draft);
              renderTools();
            }, { disabled: !grid }),
          ]),
        );
      }
      break;
    }
    case 'merge':
      panel.append(el('ol', { class: 'chosen-list' }, state.selection.map((c) => el('li', {}, gridName(c)))));
      panel.append(
        button('merge-go', t('merge.go', { n: state.selection.length }), () => {
          const grids = [...state.selection];
          state.selection = grids.slice(0, 1);
          edit({ op: 'merge', grids });
        }, { cls: 'btn primary', disabled: state.selection.length < 2 }),
      );
      break;
    case 'rebalance':
      panel.append(el('ol', { class: 'chosen-list' }, state.selection.map((c) => el('li', {}, gridName(c)))));
      panel.append(
        button('rebalance-go', t('rebalance.go'), () => edit({ op: 'rebalance', grids: [...state.selection] }), {
          cls: 'btn primary',
          disabled: state.selection.length !== 2,
        }),
      );
      break;
    case 'lock': {
      const grid = state.selection[0];
      const locked = grid ? isLocked(grid) : false;
      panel.append(
        button('lock-go', grid ? t(locked ? 'lock.unlock' : 'lock.lock', { code: gridName(grid) }) : t('tool.lock'), () => edit({ op: 'lock', grid, locked: !locked }), {
          cls: 'btn primary',
          disabled: !grid,
        }),
      );
      break;
    }
    case 'redraw':
      panel.append(
        button('redraw-go', t('redraw.go'), async () => {
          const zone = areaCode();
          const name = state.communities.find((f) => f.properties.code === zone)?.properties.name ?? gridName(zone);
          if (await confirmDialog(t('tool.redraw'), t('redraw.confirm', { zone: name, level: levelLabel(state.level) }), t('redraw.go'))) {
            edit({ op: 'redraw', zone, level: state.level });
          }
        }, { cls: 'btn primary' }),
      );
      break;
    case 'compare': {
      const options = (selected) => [
        el('option', { value: 'live', selected: String(selected) === 'live' }, t('compare.live')),
        ...state.plans.map((p) => el('option', { value: String(p.id), selected: String(selected) === String(p.id) }, `${p.name} · ${t(`planner.status.${p.status}`)}`)),
      ];
      const choice = state.compareChoice;
      if (choice.b == null) choice.b = state.plan.info.id;
      panel.append(
        el('label', { class: 'field' }, [
          el('span', {}, t('compare.a')),
          el('select', { id: 'compare-a', onchange: (e) => (choice.a = e.target.value) }, options(choice.a)),
        ]),
        el('label', { class: 'field' }, [
          el('span', {}, t('compare.b')),
          el('select', { id: 'compare-b', onchange: (e) => (choice.b = e.target.value) }, options(choice.b)),
        ]),
        el('div', { class: 'row' }, [
          button('compare-go', t('compare.go'), () => runCompare(choice.a, choice.b), { cls: 'btn primary' }),
          state.compare ? button('compare-clear', t('compare.clear'), clearCompare) : null,
        ]),
      );
      break;
    }
    case 'chiefs':
      renderChiefsPanel(panel);
      break;
    default: {
      const grid = state.selection[0];
      const g = grid && state.balance?.grids?.find((x) => x.code === grid);
      if (g) {
        panel.append(
          el('p', { class: 'chosen' }, `${gridName(grid)} · ${householdUnit(g.households)}${isLocked(grid) ? ` · ${t('balance.locked')}` : ''}`),
        );
      }
    }
  }
  root.append(panel);
  if (state.tool === 'chiefs' || !plan) return; // duties are live: nothing to publish
  root.append(
    el('div', { class: 'row actions publish-row' }, [
      button('publish', t('action.publish'), publish, { cls: 'btn publish big', disabled: !canEdit }),
      button('discard', t('action.discard'), discard, { cls: 'btn danger', disabled: !canEdit }),
    ]),
  );
}

function renderHistory() {
  const root = $('history');
  root.replaceChildren();
  if (!state.plan) return;
  root.append(el('h2', { class: 'section-title' }, t('history.title')));
  const history = [...(state.plan.history ?? [])].sort((a, b) => (b.seq ?? 0) - (a.seq ?? 0));
  if (!history.length) {
    root.append(el('p', { class: 'side-note' }, t('history.empty')));
    return;
  }
  root.append(
    el(
      'ol',
      { class: 'history-list', id: 'history-list' },
      history.map((h) =>
        el('li', { class: h.undone ? 'undone' : '', 'data-seq': String(h.seq) }, [
          el('span', { class: 'history-summary' }, h.summary),
          el('span', { class: 'history-facts' }, [`#${h.seq} · ${h.by} · ${when(h.at_ms)}`, h.undone ? el('span', { class: 'undone-chip' }, t('history.undone')) : null]),
        ]),
      ),
    ),
  );
}

function renderDock() {
  const root = $('dock');
  // the table keeps its scroll position across re-renders (flashes, reloads)
  const scrolled = root.querySelector('.table-scroll');
  const keep = scrolled && { tab: state.dock, top: scrolled.scrollTop, left: scrolled.scrollLeft };
  fillDock(root);
  const scroll = root.querySelector('.table-scroll');
  if (keep && scroll && keep.tab === state.dock) {
    scroll.scrollTop = keep.top;
    scroll.scrollLeft = keep.left;
  }
}

function fillDock(root) {
  root.replaceChildren();
  const tabs = [['balance', t('dock.balance')]];
  if (state.compare) tabs.push(['compare', t('dock.compare')]);
  if (state.tool === 'chiefs') tabs.push(['chiefs', t('dock.chiefs')]);
  if (!state.compare && state.dock === 'compare') state.dock = 'balance';
  if (state.tool !== 'chiefs' && state.dock === 'chiefs') state.dock = 'balance';
  root.append(
    el('div', { class: 'dock-head' }, [
      el(
        'div',
        { class: 'dock-tabs', role: 'tablist' },
        tabs.map(([key, label]) =>
          el(
            'button',
            {
              type: 'button',
              role: 'tab',
              id: `dock-${key}`,
              class: 'dock-tab',
              'aria-selected': String(state.dock === key),
              onclick: () => {
                state.dock = key;
                renderDock();
              },
            },
            key === 'balance' ? `${t('balance.title')}${state.zone ? ` · ${zoneLabel()}` : ''}` : label,
          ),
        ),
      ),
    ]),
  );
  if (state.dock === 'chiefs') {
    root.append(renderChiefTable());
    return;
  }
  if (!state.plan) return;
  if (state.dock === 'compare' && state.compare) {
    const name = (x) => (String(x) === 'live' ? t('compare.live') : (state.plans.find((p) => String(p.id) === String(x))?.name ?? `#${x}`));
    root.append(compareView(state.compare.result ?? {}, { names: { a: name(state.compare.a), b: name(state.compare.b) }, levelName: levelLabel(state.compare.level) }));
    return;
  }
  if (!state.balance) return;
  const colours = new Map((planMap?.grids.features ?? []).map((f) => [f.properties.code, f.properties.color]));
  const locked = new Set((state.zones?.features ?? []).filter((f) => f.properties.locked).map((f) => f.properties.code));
  for (const c of state.plan.locked ?? []) locked.add(c);
  root.append(
    balanceTable(state.balance, {
      selected: state.tool === 'paint' ? [] : state.selection,
      target: state.tool === 'paint' ? state.target : null,
      locked,
      colours,
      levelName: levelLabel(state.level),
      onRow: (code) => chooseGrid(code, 'table'),
    }),
  );
}

function zoneLabel() {
  const zone = state.communities.find((f) => f.properties.code === state.zone)?.properties.name ?? state.zone;
  const parent = state.level === 'micro' && state.parentGrid ? ` › ${gridName(state.parentGrid)}` : '';
  return `${zone}${parent} · ${levelLabel(state.level)}`;
}

function renderBusy() {
  const chip = $('busy');
  if (chip) chip.hidden = !wangge.busy;
  $('app')?.classList.toggle('is-busy', !!wangge.busy);
}

// ---------------------------------------------------------------- street chiefs

let rosterSeq = 0;

/** Loads every chief of the chosen level with their live workload (the table filters by community). */
async function loadRoster() {
  const seq = ++rosterSeq;
  const level = state.chiefLevel;
  const res = await chiefsApi.list({ level });
  if (seq !== rosterSeq || level !== state.chiefLevel) return;
  state.roster = res?.chiefs ?? [];
  wangge.roster = state.roster;
  renderTools();
  renderDock();
}

/** The live community the table is limited to (the planner's, at first), or null for all. */
function chiefCommunity() {
  if (state.chiefCommunity == null) {
    const codes = state.liveCommunities.map((f) => f.properties.code);
    state.chiefCommunity = codes.includes(state.zone) ? state.zone : (codes[0] ?? '');
  }
  return state.chiefCommunity || null;
}

function liveCommunityName(code) {
  return state.liveCommunities.find((f) => f.properties.code === code)?.properties.name ?? code;
}

/** The chiefs the table lists: the chosen community's (when it has any on this level), or all. */
function rosterInView() {
  const code = chiefCommunity();
  if (!code) return state.roster;
  return state.roster.filter((c) => c.community === code);
}

function chiefById(id) {
  return state.roster.find((c) => c.id === Number(id)) ?? null;
}

function chiefLevelLabel(key) {
  return t(`chiefs.level.${key}`);
}

function renderChiefTable() {
  const list = rosterInView();
  const code = chiefCommunity();
  const where = code ? liveCommunityName(code) : t('chiefs.scope.all');
  return chiefTable(list, {
    sort: state.chiefSort,
    onSort: (key) => {
      const numeric = !['name', 'role', 'community', 'band'].includes(key);
      state.chiefSort = state.chiefSort.key === key ? { key, dir: -state.chiefSort.dir } : { key, dir: numeric ? -1 : 1 };
      renderDock();
    },
    onRow: (c) => highlightChief(c.id),
    flash: state.chiefFlash,
    colours: planMap?.chiefs?.colours() ?? new Map(),
    highlight: state.chiefHighlight,
    caption: t('chiefs.caption', { where, level: chiefLevelLabel(state.chiefLevel), n: num(list.length) }),
  });
}

/** Outlines a chief's area on the map and brings it into view. */
function highlightChief(id) {
  state.chiefHighlight = state.chiefHighlight === id ? null : id;
  planMap?.chiefs?.setHighlight(state.chiefHighlight);
  renderDock();
  if (state.chiefHighlight != null) {
    chiefsApi
      .get(id)
      .then((area) => {
        if (area?.bbox && state.chiefHighlight === id) planMap?.fit(area.bbox);
      })
      .catch(reportError);
  }
}

function setChiefLevel(level) {
  if (state.chiefLevel === level) return;
  state.chiefLevel = level;
  state.chiefHighlight = null;
  setPicked(null);
  planMap?.chiefs?.setLevel(level);
  state.roster = [];
  renderTools();
  renderDock();
  enqueue(() => loadRoster().catch(reportError));
}

function itemName(item) {
  const p = item?.detail ?? {};
  const name = item?.kind === 'street' ? (p.name ?? item.name) : (p.name ?? p.address);
  return `${t(`chiefs.kind.${item?.kind}`)} ${name ? `${name} ` : ''}#${item?.id}`;
}

/** The chief answering for the picked item on the level shown (from the API), or the area's. */
function currentChief(item) {
  const id = item?.detail?.chiefs?.[state.chiefLevel];
  if (id != null) return Number(id);
  return item?.area?.chief ?? null;
}

/** The [w, s, e, n] box of a GeoJSON geometry, grown by about a metre. */
function boxOf(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      b[0] = Math.min(b[0], c[0]);
      b[1] = Math.min(b[1], c[1]);
      b[2] = Math.max(b[2], c[0]);
      b[3] = Math.max(b[3], c[1]);
    } else for (const x of c) walk(x);
  };
  if (geometry) walk(geometry.coordinates);
  const pad = 1e-5;
  return [b[0] - pad, b[1] - pad, b[2] + pad, b[3] + pad];
}

function setPicked(item) {
  state.picked = item;
  state.pickChoice = null;
  wangge.picked = item;
  planMap?.chiefs?.setPicked(item?.geometry ?? null);
}

/** A building's or street's details (its chiefs per level), or null when it cannot be read. */
async function itemDetail(kind, id, geometry) {
  try {
    const f = await (kind === 'street' ? chiefsApi.street(id, boxOf(geometry)) : chiefsApi.building(id));
    return f?.properties ?? null;
  } catch (e) {
    reportError(e);
    return null;
  }
}

/** A click on the map in the chiefs mode: pick a building or street (or nothing). */
function pickItem(item) {
  if (!item) {
    setPicked(null);
    renderTools();
    return Promise.resolve(null);
  }
  setPicked({ ...item, detail: null });
  renderTools();
  const picked = state.picked;
  return itemDetail(item.kind, item.id, item.geometry).then((detail) => {
    if (state.picked !== picked) return null;
    picked.detail = detail;
    renderTools();
    return picked;
  });
}

function dragLabel(drag) {
  const what = `${t(`chiefs.kind.${drag.kind}`)} #${drag.id}`;
  const from = drag.from?.name ?? '—';
  if (!drag.over) return `${what} · ${from} → ${t('chiefs.drag.nowhere')}`;
  if (drag.from && drag.over.chief === drag.from.chief) return `${what} · ${from} (${t('chiefs.drag.same')})`;
  return `${what} · ${from} → ${drag.over.name}`;
}

/** A drag released: over another chief's area, the item goes to them; otherwise nothing. */
async function dropItem({ kind, id, geometry, from, to }) {
  if (!to || (from && to.chief === from.chief)) return null;
  const detail = await itemDetail(kind, id, geometry);
  const current = detail?.chiefs?.[state.chiefLevel] ?? from?.chief;
  if (current != null && Number(current) === to.chief) return null;
  setPicked({ kind, id, geometry, area: from, detail, name: detail?.name ?? null });
  renderTools();
  return reassign(kind, [id], to.chief);
}

/** Puts the live loads of an answer's chiefs into the roster. */
function applyLoads(list) {
  for (const c of list ?? []) {
    const i = state.roster.findIndex((x) => x.id === c.id);
    if (i >= 0) state.roster[i] = c;
    else if (c.level === state.chiefLevel) state.roster.push(c);
  }
  wangge.roster = state.roster;
}

let flashTimer = null;

/** Gives buildings or streets to a chief (POST /api/duties); the table and the map follow at once. */
function reassign(kind, targets, chief) {
  return enqueue(async () => {
    const level = state.chiefLevel;
    try {
      const res = await chiefsApi.assign(kind, targets, chief, level);
      wangge.lastDuty = res;
      wangge.lastError = null;
      if (level === state.chiefLevel) applyLoads(res?.chiefs);
      state.chiefFlash = new Set((res?.chiefs ?? []).map((c) => c.id));
      clearTimeout(flashTimer);
      flashTimer = setTimeout(() => state.chiefFlash.clear(), FLASH_MS);
      planMap?.chiefs?.refresh();
      const to = (res?.chiefs ?? []).find((c) => c.id === chief) ?? chiefById(chief);
      const picked = state.picked;
      if (picked && picked.kind === kind && targets.includes(picked.id)) {
        picked.detail = (await itemDetail(kind, picked.id, picked.geometry)) ?? picked.detail;
        state.pickChoice = null;
      }
      setMessage({
        kind: 'ok',
        key: 'chiefs.moved',
        params: { what: picked && targets.includes(picked.id) ? itemName(picked) : `${t(`chiefs.kind.${kind}`)} ×${targets.length}`, name: to?.name ?? `#${chief}` },
      });
      renderTools();
      renderDock();
      // the other chiefs' deviations move with their territory's mean
      await loadRoster().catch(reportError);
      return res;
    } catch (e) {
      reportError(e);
      return null;
    }
  });
}

/** The chooser's chiefs: the nearest areas first, then by community (the item's own first). */
function chooserOptions(item, current) {
  const chiefs = state.roster.filter((c) => c.id !== current);
  const groups = [];
  const places = planMap?.chiefs?.places() ?? new Map();
  const at = item.lngLat;
  const label = (c) => `${c.name} · ${c.load ? `${num(c.load.workload)} (${deviationPercent(c.load.deviation)})` : '—'}`;
  if (at && places.size) {
    const k = Math.cos((at[1] * Math.PI) / 180);
    const near = chiefs
      .filter((c) => places.has(c.id))
      .map((c) => {
        const p = places.get(c.id);
        return { c, d: Math.hypot((p[0] - at[0]) * k, p[1] - at[1]) };
      })
      .sort((a, b) => a.d - b.d)
      .slice(0, NEAREST);
    if (near.length) groups.push([t('chiefs.choose.near'), near.map(({ c }) => c)]);
  }
  const home = chiefById(current)?.community ?? state.zone;
  const byCommunity = new Map();
  for (const c of chiefs) {
    const key = c.community ?? '';
    if (!byCommunity.has(key)) byCommunity.set(key, { name: c.community_name ?? t('chiefs.noCommunity'), list: [] });
    byCommunity.get(key).list.push(c);
  }
  const keys = [...byCommunity.keys()].sort((a, b) => (a === home ? -1 : b === home ? 1 : a.localeCompare(b)));
  for (const key of keys) {
    const g = byCommunity.get(key);
    groups.push([g.name, g.list.sort((a, b) => a.name.localeCompare(b.name, 'zh-CN'))]);
  }
  return groups.map(([name, list], i) =>
    el(
      'optgroup',
      { label: name, 'data-group': i === 0 && at && places.size ? 'near' : 'community' },
      list.map((c) => el('option', { value: String(c.id), selected: state.pickChoice === c.id }, label(c))),
    ),
  );
}

function renderChiefsPanel(panel) {
  panel.append(
    el('div', { class: 'field' }, [
      el('span', { id: 'chiefs-level-label' }, t('chiefs.level')),
      el(
        'div',
        { class: 'segmented', role: 'group', 'aria-labelledby': 'chiefs-level-label' },
        CHIEF_LEVELS.map((key) =>
          el('button', { type: 'button', id: `chiefs-level-${key}`, class: 'seg-btn', 'aria-pressed': String(state.chiefLevel === key), onclick: () => setChiefLevel(key) }, chiefLevelLabel(key)),
        ),
      ),
    ]),
  );
  const chosen = chiefCommunity() ?? '';
  panel.append(
    el('label', { class: 'field' }, [
      el('span', {}, t('chiefs.scope')),
      el(
        'select',
        {
          id: 'chiefs-community',
          onchange: (e) => {
            state.chiefCommunity = e.target.value;
            state.chiefHighlight = null;
            planMap?.chiefs?.setHighlight(null);
            const f = state.liveCommunities.find((x) => x.properties.code === e.target.value);
            if (f?.geometry) planMap?.fit(f.geometry);
            renderDock();
          },
        },
        [
          el('option', { value: '', selected: chosen === '' }, t('chiefs.scope.all')),
          ...state.liveCommunities.map((f) => el('option', { value: f.properties.code, selected: f.properties.code === chosen }, f.properties.name ?? f.properties.code)),
        ],
      ),
    ]),
  );
  const item = state.picked;
  const box = el('div', { class: 'picked', id: 'chiefs-picked', 'data-kind': item?.kind ?? '', 'data-id': item ? String(item.id) : '' });
  if (!item) {
    box.append(el('p', { class: 'side-note' }, t('chiefs.pick.none')));
  } else {
    const current = currentChief(item);
    const chief = chiefById(current);
    box.append(el('p', { class: 'chosen', id: 'chiefs-picked-name' }, itemName(item)));
    box.append(
      el('p', { class: 'picked-chief', id: 'chiefs-current', 'data-chief': current == null ? '' : String(current) }, [
        el('span', {}, `${t('chiefs.current')}：`),
        el('b', {}, chief?.name ?? item.detail?.chief_name ?? (item.detail ? t('chiefs.nobody') : '…')),
        chief?.load ? el('span', { class: 'picked-load' }, ` · ${t('chiefs.col.workload')} ${num(chief.load.workload)} (${deviationPercent(chief.load.deviation)})`) : null,
      ]),
    );
    const select = el(
      'select',
      {
        id: 'chiefs-choose',
        onchange: (e) => {
          state.pickChoice = e.target.value ? Number(e.target.value) : null;
          renderTools();
        },
      },
      [el('option', { value: '', selected: state.pickChoice == null }, t('chiefs.choose.none')), ...chooserOptions(item, current)],
    );
    box.append(el('label', { class: 'field' }, [el('span', {}, t('chiefs.choose')), select]));
    box.append(
      el('div', { class: 'row' }, [
        button('chiefs-assign', t('chiefs.assign'), () => reassign(item.kind, [item.id], state.pickChoice), {
          cls: 'btn primary',
          disabled: state.pickChoice == null || state.pickChoice === current,
        }),
        button('chiefs-unpick', t('action.cancel'), () => {
          setPicked(null);
          renderTools();
        }),
      ]),
    );
  }
  panel.append(box);
  panel.append(
    el('p', { class: 'side-note chiefs-legend' }, [el('span', { class: 'hatch-swatch chiefs-hatch-swatch', 'aria-hidden': 'true' }), t('chiefs.legend.out')]),
  );
}

// ---------------------------------------------------------------- messages

function setMessage(message) {
  state.message = message;
  wangge.lastMessage = message ? messageText(message) : null;
  renderMessage();
}

function clearMessage() {
  setMessage(null);
}

function messageText(m) {
  return m.raw ?? t(m.key, m.params);
}

/** Shows an API failure: the server's English `error` as is, behind a Chinese label. */
function reportError(e) {
  console.warn(e);
  if (e instanceof PlanApiError) {
    const body = e.body ?? {};
    wangge.lastError = { status: e.status, path: e.path, ...body, error: body.error ?? e.message };
    if (e.status === 409 && !(body.missed ?? []).length) {
      // stale for another reason than edits (e.g. a newer plan was published): say the server's why
      setMessage({ kind: 'conflict', key: 'msg.error', params: { message: body.error ?? e.message }, reload: true });
      return;
    }
    if (e.status === 409) {
      setMessage({
        kind: 'conflict',
        key: 'msg.conflict',
        params: { version: body.current_version ?? '?' },
        items: (body.missed ?? []).map((m) => ({ key: 'msg.conflict.item', params: { by: m.by, when: m.at_ms, summary: m.summary } })),
        reload: true,
      });
      return;
    }
    const violations = (body.violations ?? []).map((v) => (typeof v === 'string' ? v : (v.message ?? v.error ?? JSON.stringify(v))));
    setMessage({
      kind: 'error',
      key: 'msg.error',
      params: { message: body.error ?? e.message },
      intro: violations.length ? 'publish.violations' : null,
      items: violations.map((raw) => ({ raw })),
    });
    return;
  }
  wangge.lastError = { status: 0, error: e?.message ?? String(e) };
  setMessage({ kind: 'error', key: 'msg.error', params: { message: e?.message ?? String(e) } });
}

function renderMessage() {
  const root = $('message');
  if (!root) return;
  const m = state.message;
  root.replaceChildren();
  if (!m) {
    root.hidden = true;
    return;
  }
  root.hidden = false;
  root.className = `message ${m.kind}`;
  root.setAttribute('role', m.kind === 'ok' ? 'status' : 'alert');
  root.append(el('p', { class: 'message-text', id: 'message-text' }, messageText(m)));
  if (m.intro) root.append(el('p', { class: 'message-intro' }, t(m.intro)));
  if (m.items?.length) {
    root.append(
      el(
        'ul',
        { class: 'message-items' },
        m.items.map((item) => el('li', {}, item.raw ?? t(item.key, { ...item.params, when: when(item.params.when) }))),
      ),
    );
  }
  const buttons = el('div', { class: 'row' });
  if (m.reload) buttons.append(button('reload', t('action.reload'), reloadPlan, { cls: 'btn primary' }));
  buttons.append(button('message-close', t('action.close'), clearMessage, { cls: 'btn' }));
  root.append(buttons);
}

function showFatal(e) {
  const box = $('loading');
  if (!box) return;
  box.hidden = false;
  box.classList.add('error');
  box.textContent = t('app.error', { message: e?.message ?? String(e) });
}

/** A modal confirmation with large buttons; resolves true when confirmed. */
function confirmDialog(title, text, okLabel) {
  const dialog = $('confirm');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel ?? t('action.ok');
  $('confirm-cancel').textContent = t('action.cancel');
  return new Promise((resolve) => {
    dialog.returnValue = '';
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
    $('confirm-ok').focus();
  });
}

// ---------------------------------------------------------------- small things

function initUser() {
  const input = $('user');
  let saved = null;
  try {
    saved = localStorage.getItem('wangge.planner');
  } catch {
    // not persisted
  }
  input.value = saved || t('planner.user.default');
  input.addEventListener('change', () => {
    try {
      localStorage.setItem('wangge.planner', input.value.trim());
    } catch {
      // not persisted
    }
  });
}

function wireKeys() {
  // while the space bar is held, a drag pans the map even when painting
  document.addEventListener('keyup', (e) => {
    if (e.code === 'Space' && planMap) planMap.panKey = false;
  });
  window.addEventListener('blur', () => {
    if (planMap) planMap.panKey = false;
  });
  document.addEventListener('keydown', (e) => {
    const tag = e.target?.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || $('confirm').open) return;
    if (e.code === 'Space' && planMap?.paintMode && tag !== 'BUTTON') {
      e.preventDefault();
      planMap.panKey = true;
      return;
    }
    const mod = e.ctrlKey || e.metaKey;
    if (mod && e.key.toLowerCase() === 'z' && !e.shiftKey) {
      e.preventDefault();
      if (state.plan?.can_undo) undoRedo('undo');
    } else if (mod && (e.key.toLowerCase() === 'y' || (e.key.toLowerCase() === 'z' && e.shiftKey))) {
      e.preventDefault();
      if (state.plan?.can_redo) undoRedo('redo');
    } else if (e.key === 'Escape' && state.tool === 'chiefs') {
      if (planMap?.chiefs?.drag) planMap.chiefs.cancelDrag();
      else setPicked(null);
      renderTools();
    } else if (e.key === 'Escape') {
      if (state.draft) {
        state.draft = null;
        planMap?.setDraft(null);
      } else {
        state.selection = [];
      }
      planMap?.setSelection(highlighted());
      renderTools();
      renderDock();
    }
  });
}

function readHash() {
  const q = new URLSearchParams(location.hash.slice(1));
  return { plan: q.get('plan'), zone: q.get('zone'), level: q.get('level') };
}

function writeHash() {
  if (!state.plan) return;
  const q = new URLSearchParams({ plan: String(state.plan.info.id), level: state.level });
  if (state.zone) q.set('zone', state.zone);
  history.replaceState(null, '', `${location.pathname}${location.search}#${q}`);
}

// For the console and tests: the actions behind the buttons.
wangge.actions = { edit, undo: () => undoRedo('undo'), redo: () => undoRedo('redo'), publish, discard, createPlan, reloadPlan, selectPlan, runCompare, clearCompare, chooseGrid, reassign, loadRoster, pickItem };
