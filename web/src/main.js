// The leader view: the whole jurisdiction as a coloured map (分色管理), counts by tier, drill-down.

import { requireUser } from './auth.js';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import './style.css';

import { api, geometryBounds } from './api.js';
import { Card } from './card.js';
import { lang, setLang, onLangChange, t, num, htmlLang } from './i18n.js';
import { Panel } from './panel.js';
import { TIERS, el } from './util.js';

/** CJK fonts for labels: drawn locally (TinySDF), since the style has no glyphs URL. */
const CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
const SOURCE = 'wangge';
const COMPOUND_LAYERS = ['compounds-fill', 'compound-dots'];
const HIT_LAYER = 'zones-hit';
/** Street layers of the leader style a click opens a street's card from. */
const STREET_LAYERS = ['street', 'street-lane', 'street-footway'];
const STREET_CLICK_ZOOM = 15;

const $ = (id) => document.getElementById(id);

let resolveReady;
let rejectReady;
const ready = new Promise((resolve, reject) => {
  resolveReady = resolve;
  rejectReady = reject;
});
// For tests and the console: `await window.__wangge.ready` waits until the map has drawn.
const wangge = { map: null, ready, errors: [], settled: null };
window.__wangge = wangge;

main().catch((e) => {
  showError(e);
  rejectReady(e);
});

async function main() {
  document.documentElement.lang = htmlLang();
  renderChrome();
  onLangChange(() => {
    document.documentElement.lang = htmlLang();
    renderChrome();
  });

  // Everything but the page itself needs a signed-in user: leaders, planners, viewers, admins.
  await requireUser({ roles: ['admin', 'planner', 'leader', 'viewer'] });
  const [meta, levels] = await Promise.all([api.meta(), api.levels()]);
  wangge.meta = meta;
  const levelMap = new Map(levels.levels.map((l) => [l.key, l]));
  document.title = `${meta.name ?? ''} · ${t('app.title')}`;
  $('place').textContent = meta.name ?? '';

  // the panel of counts, starting at the whole jurisdiction
  const zoneBounds = new Map();
  let map = null;
  let card = null;
  const panel = new Panel($('panel'), {
    levels: levelMap,
    onZone: (zone) => showZone(map, panel, zone, zoneBounds, meta),
    onCompound: (feature) => showCompound(map, card, feature),
  });
  wangge.panel = panel;
  panel.render();
  let start = null;
  try {
    start = await panel.start();
  } catch (e) {
    console.error(e);
    panel.error = e;
    panel.render();
  }
  // Where the top of the hierarchy is one zone holding everything (a district around one
  // sub-district), the view starts at that zone (the server's summary may already start there,
  // with the zone's box): the header names it and the map fits it.
  const startZone = panel.trail[panel.base]?.zone;
  if (startZone?.code && startZone.name !== meta.name) {
    $('place').textContent = [meta.name, startZone.name].filter(Boolean).join(' · ');
  }
  let bounds = meta.bbox ?? undefined;
  if (start?.zone.code) {
    const b = start.zone.bbox ?? (panel.trail.length > 1 ? await zoneBox(start.zone.code, zoneBounds) : null);
    if (b && within(b, meta.bbox)) bounds = b;
  }

  map = new maplibregl.Map({
    container: 'map',
    style: new URL('styles/leader.json', location.href).href,
    bounds,
    center: bounds ? undefined : (meta.center ?? [0, 0]),
    zoom: bounds ? undefined : meta.center ? 13 : 1,
    fitBoundsOptions: { padding: 24 },
    localIdeographFontFamily: CJK_FONTS,
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    touchPitch: false,
    maxPitch: 0,
    minZoom: 9,
    maxZoom: 19,
    fadeDuration: 150,
  });
  map.touchZoomRotate.disableRotation();
  wangge.map = map;

  map.addControl(
    new maplibregl.AttributionControl({ compact: false, customAttribution: meta.attribution ?? [] }),
    'bottom-right',
  );
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
  localizeControls();

  let loaded = false;
  map.on('error', (e) => {
    const message = e?.error?.message ?? String(e?.error ?? e);
    wangge.errors.push(message);
    console.error('map error:', message);
    if (!loaded && !e.sourceId && !e.tile) {
      // the style itself failed: nothing will draw
      rejectReady(new Error(message));
      showError(new Error(message));
    }
  });
  map.once('load', () => {
    loaded = true;
    prepareStyle(map);
    settle(map).then(() => {
      $('app').classList.add('map-ready');
      resolveReady();
    });
  });

  card = new Card($('card'), {
    onClose: () => select(map, null),
    // the server dropped the tiles the change touched: ask for them again
    onTierChange: () => {
      try {
        map.refreshTiles(SOURCE);
      } catch (e) {
        console.warn('could not reload the tiles', e);
      }
    },
  });
  wangge.card = card;

  const legend = new Legend($('legend'), map);
  wangge.legend = legend;

  onLangChange(() => {
    document.title = `${meta.name ?? ''} · ${t('app.title')}`;
    localizeControls();
    panel.render();
    card.render();
    legend.render();
  });

  if (start) legend.setTotals(panel.trail[0].tiers);

  wireMap(map, panel, card);
}

/** Runtime additions to the style: an invisible layer to click zones on. */
function prepareStyle(map) {
  map.addLayer(
    {
      id: HIT_LAYER,
      type: 'fill',
      source: SOURCE,
      'source-layer': 'zones',
      paint: { 'fill-color': '#000', 'fill-opacity': 0 },
    },
    'compound-dots',
  );
}

/** Resolves when the map is idle with every tile loaded. */
function settle(map) {
  const p = new Promise((resolve) => {
    const check = () => {
      if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) {
        map.off('idle', check);
        resolve();
      }
    };
    map.on('idle', check);
    map.triggerRepaint();
  });
  wangge.settled = p;
  return p;
}
wangge.settle = () => settle(wangge.map);

function wireMap(map, panel, card) {
  const hit = (point) => {
    const box = [
      [point.x - 3, point.y - 3],
      [point.x + 3, point.y + 3],
    ];
    const layers = COMPOUND_LAYERS.filter((id) => map.getLayer(id));
    // the compound under the pointer, else one within a few pixels (small at low zoom)
    const compound =
      map.queryRenderedFeatures(point, { layers })[0] ?? map.queryRenderedFeatures(box, { layers })[0];
    if (compound) return { compound };
    // streets only where they are wide enough to aim at; further out a click means the zone
    const streetLayers = map.getZoom() >= STREET_CLICK_ZOOM ? STREET_LAYERS.filter((id) => map.getLayer(id)) : [];
    const street = streetLayers.length ? map.queryRenderedFeatures(point, { layers: streetLayers })[0] : null;
    if (street && street.id != null) return { street };
    if (!map.getLayer(HIT_LAYER)) return {};
    const children = panel.childCodes();
    const zone = map
      .queryRenderedFeatures(point, { layers: [HIT_LAYER] })
      .find((f) => children.has(f.properties.code));
    return { zone };
  };

  map.on('click', (e) => {
    const { compound, street, zone } = hit(e.point);
    if (compound) {
      const p = compound.properties;
      select(map, compound);
      card.open(p.code, { name: p.name, tier: p.tier });
    } else if (street) {
      select(map, null);
      card.openStreet(street.id, { name: street.properties.name });
    } else if (zone) {
      card.close();
      panel.open(zone.properties.code, 'map').catch(() => {});
    } else {
      card.close();
    }
  });

  let last = null;
  map.on('mousemove', (e) => {
    const { compound, street, zone } = hit(e.point);
    const cursor = compound || street || zone ? 'pointer' : '';
    if (cursor !== last) map.getCanvas().style.cursor = last = cursor;
  });
}

let selected = null;
function select(map, feature) {
  if (selected) map.setFeatureState(selected, { selected: false });
  selected = null;
  if (feature && feature.id != null && feature.sourceLayer === 'compounds') {
    selected = { source: SOURCE, sourceLayer: 'compounds', id: feature.id };
    map.setFeatureState(selected, { selected: true });
  }
}

function highlightZone(map, code, panel) {
  if (!map.getLayer('zone-selected')) return;
  // the zone the view started at is the jurisdiction: its outline is already the heaviest line
  const show = panel.trail.length - 1 > panel.base;
  map.setFilter('zone-selected', ['==', ['get', 'code'], show ? code : '__none__']);
}

async function zoneBox(code, cache) {
  if (cache.has(code)) return cache.get(code);
  try {
    const feature = await api.zone(code);
    const b = geometryBounds(feature.geometry);
    if (b) cache.set(code, b);
    return b;
  } catch (e) {
    console.error(e);
    return null;
  }
}

function within(inner, outer) {
  if (!outer) return true;
  const slack = 1e-6;
  return (
    inner[0] >= outer[0] - slack && inner[1] >= outer[1] - slack && inner[2] <= outer[2] + slack && inner[3] <= outer[3] + slack
  );
}

async function showZone(map, panel, zone, zoneBounds, meta) {
  if (!map) return;
  highlightZone(map, zone.code, panel);
  let bounds = zone.bbox ?? (zone.code ? await zoneBox(zone.code, zoneBounds) : null);
  if (panel.current?.zone.code !== zone.code) return; // the user moved on meanwhile
  if (!bounds && panel.trail.length === 1) bounds = meta.bbox;
  if (!bounds) return;
  const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  map.fitBounds(bounds, { padding: 32, duration: reduce ? 0 : 700, maxZoom: 17 });
}

/** Opens a compound from the panel: its card, its outline, the map on it. */
function showCompound(map, card, feature) {
  if (!map) return;
  const p = feature.properties;
  select(map, { id: feature.id, sourceLayer: 'compounds' });
  card.open(p.code, { name: p.name, tier: p.tier });
  const b = geometryBounds(feature.geometry);
  if (b) {
    const reduce = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    // keep the compound clear of the card: beside it on wide screens, above it on narrow ones
    const narrow = window.matchMedia?.('(max-width: 720px)').matches;
    const h = map.getContainer().clientHeight;
    const padding = narrow
      ? { top: 40, left: 40, right: 40, bottom: Math.round(h * 0.5) }
      : { top: 80, left: 80, right: 380, bottom: 80 };
    map.fitBounds(b, { padding, maxZoom: 17, duration: reduce ? 0 : 700 });
  }
}

class Legend {
  constructor(root, map) {
    this.root = root;
    this.map = map;
    this.totals = null;
    this.heat = false;
    this.problems = false;
    this.problemCount = null;
    this.open = !window.matchMedia?.('(max-width: 720px)').matches;
    this.render();
  }

  setTotals(tiers) {
    this.totals = tiers;
    this.render();
  }

  setHeat(on) {
    this.heat = on;
    const map = this.map;
    if (map.getLayer('heat')) {
      map.setLayoutProperty('heat', 'visibility', on ? 'visible' : 'none');
      // the compounds step back while the heat shows where the trouble gathers
      if (this.fill === undefined) this.fill = map.getPaintProperty('compounds-fill', 'fill-opacity');
      map.setPaintProperty('compounds-fill', 'fill-opacity', on ? 0.35 : this.fill);
    }
    this.render();
  }

  /** Open problems as a heat layer (GeoJSON from /api/problems/heat, weighted by escalation
   * level), fetched afresh each time it is switched on. */
  async setProblems(on) {
    this.problems = on;
    const map = this.map;
    try {
      if (on) {
        const res = await fetch('api/problems/heat', { headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`${res.status}`);
        const data = await res.json();
        this.problemCount = data.features.length;
        if (map.getSource('problems')) map.getSource('problems').setData(data);
        else {
          map.addSource('problems', { type: 'geojson', data });
          map.addLayer({
            id: 'problem-heat',
            type: 'heatmap',
            source: 'problems',
            paint: {
              'heatmap-weight': ['interpolate', ['linear'], ['get', 'level_rank'], 1, 0.5, 4, 1],
              'heatmap-intensity': ['interpolate', ['linear'], ['zoom'], 11, 0.6, 17, 2],
              'heatmap-radius': ['interpolate', ['linear'], ['zoom'], 11, 8, 17, 36],
              'heatmap-color': [
                'interpolate', ['linear'], ['heatmap-density'],
                0, 'rgba(29,78,216,0)', 0.2, 'rgba(29,78,216,0.45)', 0.5, 'rgba(124,58,237,0.65)',
                0.8, 'rgba(219,39,119,0.8)', 1, 'rgba(190,18,60,0.9)',
              ],
              'heatmap-opacity': 0.85,
            },
          });
        }
      }
      if (map.getLayer('problem-heat')) map.setLayoutProperty('problem-heat', 'visibility', on ? 'visible' : 'none');
    } catch (e) {
      this.problems = false;
      this.problemError = e.message ?? String(e);
    }
    this.render();
  }

  render() {
    const root = this.root;
    root.replaceChildren();
    root.classList.toggle('closed', !this.open);
    root.append(
      el(
        'button',
        {
          class: 'legend-title',
          type: 'button',
          'aria-expanded': String(this.open),
          onclick: () => {
            this.open = !this.open;
            this.render();
          },
        },
        [t('legend.title'), this.totals ? el('span', { class: 'legend-sub' }, t('legend.total')) : null],
      ),
    );
    const rows = el('ul', { class: 'legend-rows' });
    for (const tier of [...TIERS].reverse()) {
      rows.append(
        el('li', { 'data-tier': tier }, [
          el('span', { class: `swatch ${tier}` }),
          el('span', { class: 'legend-name' }, t(`tier.${tier}`)),
          el('span', { class: 'legend-count' }, this.totals ? num(this.totals[tier] ?? 0) : ''),
        ]),
      );
    }
    root.append(rows);
    const id = 'heat-toggle';
    root.append(
      el('label', { class: 'heat-toggle', for: id }, [
        el('input', {
          id,
          type: 'checkbox',
          checked: this.heat,
          onchange: (e) => this.setHeat(e.target.checked),
        }),
        el('span', { class: 'heat-swatch' }),
        t('legend.heat'),
      ]),
    );
    root.append(
      el('label', { class: 'heat-toggle', for: 'problem-toggle' }, [
        el('input', {
          id: 'problem-toggle',
          type: 'checkbox',
          checked: this.problems,
          onchange: (e) => this.setProblems(e.target.checked),
        }),
        el('span', { class: 'heat-swatch problems' }),
        this.problems && this.problemCount != null
          ? t('legend.problemsCount', { n: num(this.problemCount) })
          : t('legend.problems'),
      ]),
    );
    root.append(
      el('div', { class: 'legend-lines' }, [el('span', { class: 'line-swatch' }), t('legend.boundaries')]),
    );
  }
}

/** MapLibre's own buttons speak the page's language too. */
function localizeControls() {
  for (const [selector, key] of [
    ['.maplibregl-ctrl-zoom-in', 'map.zoomIn'],
    ['.maplibregl-ctrl-zoom-out', 'map.zoomOut'],
  ]) {
    for (const button of document.querySelectorAll(selector)) {
      button.title = t(key);
      button.setAttribute('aria-label', t(key));
    }
  }
}

/** Header strings and the language switch. */
function renderChrome() {
  $('app-title').textContent = t('app.title');
  $('map').setAttribute('aria-label', t('map.label'));
  const dashboard = $('to-dashboard');
  if (dashboard) dashboard.textContent = t('nav.dashboard');
  const planner = $('to-planner');
  if (planner) {
    planner.textContent = t('nav.planner');
    planner.title = t('nav.planner.title');
  }
  const button = $('lang');
  button.textContent = t('lang.switch');
  button.title = t('lang.switch.title');
  button.onclick = () => setLang(lang() === 'zh' ? 'en' : 'zh');
  const loading = $('loading');
  if (loading) loading.textContent = t('app.loading');
}

function showError(e) {
  const box = $('loading');
  if (!box) return;
  box.hidden = false;
  box.classList.add('error');
  box.textContent = t('app.error', { message: e?.message ?? String(e) });
}
