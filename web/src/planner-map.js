// The planner's map: the leader style's vector-tile base (compounds by tier, buildings, streets,
// community boundaries) with the plan's grids on top as GeoJSON, each in its own colour with its
// code, the selected grids outlined, a split line being drawn, and the areas two plans assign to
// different grids hatched.

import * as maplibregl from 'maplibre-gl';

import { geometryBounds } from './api.js';
import { t } from './i18n.js';

const CJK_FONTS = '"Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif';
export const BASE = 'wangge';
const GRIDS = 'plan-grids';
const COMPARE = 'plan-compare';
const DRAW = 'plan-draw';
const LABELS = 'plan-labels';
const HATCH = 'plan-hatch';

/** Grid colours: distinct from each other and from the tier colours (green, yellow, red). */
const PALETTE = ['#4E79A7', '#F28E2B', '#76B7B2', '#B07AA1', '#9C755F', '#FF9DA7', '#17BECF', '#6B5BD6', '#BAB0AC', '#D37295', '#59A14F', '#A0CBE8'];

/** Layers of the base style this view hides: the live grids (the plan draws its own). */
const HIDDEN_BASE_LAYERS = ['zones-line-grid', 'zone-label-grid', 'zone-selected', 'heat'];

const EMPTY = { type: 'FeatureCollection', features: [] };

export class PlanMap {
  /**
   * @param {HTMLElement} container
   * @param {{ bounds?: number[], center?: number[], onClick: (hit: object) => void,
   *   onStroke: (samples: object[]) => void, onError: (message: string) => void }} options
   */
  constructor(container, { bounds, center, onClick, onStroke, onError, attribution }) {
    this.onClick = onClick;
    this.onStroke = onStroke;
    this.selection = [];
    this.grids = EMPTY;
    this.map = new maplibregl.Map({
      container,
      style: new URL('styles/leader.json', location.href).href,
      bounds: bounds ?? undefined,
      center: bounds ? undefined : (center ?? [0, 0]),
      zoom: bounds ? undefined : center ? 13 : 1,
      fitBoundsOptions: { padding: 24 },
      localIdeographFontFamily: CJK_FONTS,
      attributionControl: false,
      dragRotate: false,
      pitchWithRotate: false,
      touchPitch: false,
      maxPitch: 0,
      minZoom: 9,
      maxZoom: 19,
      fadeDuration: 0,
      doubleClickZoom: false,
    });
    const map = this.map;
    map.touchZoomRotate.disableRotation();
    map.addControl(new maplibregl.AttributionControl({ compact: false, customAttribution: attribution ?? [] }), 'bottom-right');
    map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-right');
    this.localize();

    let loaded = false;
    this.loaded = new Promise((resolve, reject) => {
      map.on('error', (e) => {
        const message = e?.error?.message ?? String(e?.error ?? e);
        onError?.(message);
        if (!loaded && !e.sourceId && !e.tile) reject(new Error(message));
      });
      map.once('load', () => {
        loaded = true;
        this.prepare();
        resolve();
      });
    });

    map.on('click', (e) => {
      if (this.paintMode) return; // painting is done by strokes (below)
      this.onClick?.({ lngLat: [e.lngLat.lng, e.lngLat.lat], point: e.point, ...this.hit(e.point) });
    });
    let cursor = null;
    map.on('mousemove', (e) => {
      if (this.stroke) {
        this.extendStroke(e);
        return;
      }
      const { grid } = this.hit(e.point, { gridOnly: true });
      const next = this.paintMode ? (this.panKey ? 'grab' : 'crosshair') : this.crosshair ? 'crosshair' : grid ? 'pointer' : '';
      if (next !== cursor) map.getCanvas().style.cursor = cursor = next;
    });

    // Painting: press, drag over the land and compounds to move, release. Every pointer position
    // of the stroke (at least a few pixels apart) is one sample; a click is a stroke of one.
    // Hold the space bar to pan the map instead.
    this.paintMode = false;
    this.panKey = false;
    this.stroke = null;
    map.on('mousedown', (e) => {
      if (!this.paintMode || this.panKey || e.originalEvent.button !== 0) return;
      e.preventDefault(); // no drag-pan: this drag paints
      this.stroke = [];
      this.extendStroke(e, true);
    });
    const end = () => {
      if (!this.stroke) return;
      const stroke = this.stroke;
      this.stroke = null;
      this.setDraft(this.draftPoints ?? null);
      this.onStroke?.(stroke);
    };
    map.on('mouseup', end);
    window.addEventListener('mouseup', end);
    window.addEventListener('blur', end);
  }

  /** Adds a pointer position to the stroke being painted. */
  extendStroke(e, first = false) {
    const last = this.stroke[this.stroke.length - 1];
    if (!first && last && Math.hypot(e.point.x - last.point.x, e.point.y - last.point.y) < 4) return;
    const { grid, compound } = this.hit(e.point);
    this.stroke.push({ lngLat: [e.lngLat.lng, e.lngLat.lat], point: { x: e.point.x, y: e.point.y }, grid, compound });
    this.drawStroke(this.stroke.map((s) => s.lngLat));
  }

  drawStroke(points) {
    const features = [];
    if (points.length > 1) features.push({ type: 'Feature', properties: { stroke: true }, geometry: { type: 'LineString', coordinates: points } });
    for (const p of points) features.push({ type: 'Feature', properties: { stroke: true }, geometry: { type: 'Point', coordinates: p } });
    this.map.getSource(DRAW)?.setData({ type: 'FeatureCollection', features });
  }

  /** Adds the plan's sources and layers to the loaded base style. */
  prepare() {
    const map = this.map;
    for (const id of HIDDEN_BASE_LAYERS) if (map.getLayer(id)) map.setLayoutProperty(id, 'visibility', 'none');
    // the tier colours stay readable under the grid colours, a little lighter
    if (map.getLayer('compounds-fill')) {
      map.setPaintProperty('compounds-fill', 'fill-opacity', ['interpolate', ['linear'], ['zoom'], 12, 0, 12.5, 0.8, 16.5, 0.6]);
    }
    map.addImage(HATCH, hatchImage(), { pixelRatio: 2 });
    map.addSource(GRIDS, { type: 'geojson', data: this.grids });
    map.addSource(COMPARE, { type: 'geojson', data: EMPTY });
    map.addSource(DRAW, { type: 'geojson', data: EMPTY });
    map.addSource(LABELS, { type: 'geojson', data: labelPoints(this.grids) });
    const before = map.getLayer('zones-line') ? 'zones-line' : undefined;
    map.addLayer(
      {
        id: 'plan-fill',
        type: 'fill',
        source: GRIDS,
        paint: {
          'fill-color': ['get', 'color'],
          'fill-opacity': 0.3,
        },
      },
      before,
    );
    map.addLayer(
      { id: 'plan-compare-hatch', type: 'fill', source: COMPARE, paint: { 'fill-pattern': HATCH, 'fill-opacity': 0.95 } },
      before,
    );
    map.addLayer(
      {
        id: 'plan-line-casing',
        type: 'line',
        source: GRIDS,
        layout: { 'line-join': 'round' },
        paint: { 'line-color': '#FFFFFF', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 2.5, 17, 5], 'line-opacity': 0.85 },
      },
      before,
    );
    map.addLayer(
      {
        id: 'plan-line',
        type: 'line',
        source: GRIDS,
        layout: { 'line-join': 'round' },
        paint: { 'line-color': ['get', 'line'], 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1.2, 17, 2.5] },
      },
      before,
    );
    map.addLayer({
      id: 'plan-compare-line',
      type: 'line',
      source: COMPARE,
      paint: { 'line-color': '#7A1020', 'line-width': 1.5, 'line-dasharray': [2, 1] },
    });
    map.addLayer({
      id: 'plan-locked',
      type: 'line',
      source: GRIDS,
      filter: ['==', ['get', 'locked'], true],
      layout: { 'line-join': 'round' },
      paint: { 'line-color': '#3A3A3A', 'line-width': 3, 'line-dasharray': [1, 1.2], 'line-offset': -2 },
    });
    map.addLayer({
      id: 'plan-selected',
      type: 'line',
      source: GRIDS,
      filter: ['==', ['get', 'code'], '__none__'],
      layout: { 'line-join': 'round', 'line-cap': 'round' },
      paint: { 'line-color': '#1D4ED8', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 6] },
    });
    map.addLayer({
      id: 'plan-draw-line',
      type: 'line',
      source: DRAW,
      filter: ['==', ['geometry-type'], 'LineString'],
      layout: { 'line-cap': 'round', 'line-join': 'round' },
      paint: {
        'line-color': ['case', ['has', 'stroke'], '#1D4ED8', '#111827'],
        'line-width': ['case', ['has', 'stroke'], 8, 3],
        'line-opacity': ['case', ['has', 'stroke'], 0.45, 1],
      },
    });
    map.addLayer({
      id: 'plan-draw-points',
      type: 'circle',
      source: DRAW,
      filter: ['==', ['geometry-type'], 'Point'],
      paint: {
        'circle-radius': ['case', ['has', 'stroke'], 5, 6],
        'circle-color': ['case', ['has', 'stroke'], '#1D4ED8', '#FFFFFF'],
        'circle-stroke-color': '#111827',
        'circle-stroke-width': ['case', ['has', 'stroke'], 1.5, 2.5],
      },
    });
    map.addLayer({
      id: 'plan-label',
      type: 'symbol',
      source: LABELS,
      layout: {
        'text-field': ['get', 'label'],
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 12, 17, 16],
        'text-max-width': 10,
        'text-padding': 2,
        'text-allow-overlap': false,
      },
      paint: {
        'text-color': ['get', 'line'],
        'text-halo-color': 'rgba(255,255,255,0.95)',
        'text-halo-width': 2,
      },
    });
  }

  /** The grid (and compound, building) under a screen point. */
  hit(point, { gridOnly = false } = {}) {
    const map = this.map;
    const layers = (ids) => ids.filter((id) => map.getLayer(id));
    const grid = map.queryRenderedFeatures(point, { layers: layers(['plan-fill']) })[0]?.properties.code ?? null;
    if (gridOnly) return { grid };
    const compound = map.queryRenderedFeatures(point, { layers: layers(['compounds-fill']) })[0]?.properties.code ?? null;
    const building = map.queryRenderedFeatures(point, { layers: layers(['buildings']) })[0];
    return { grid, compound, building: building ? (building.properties.id ?? building.id ?? null) : null };
  }

  /** Shows the plan's grids (a FeatureCollection from the API), coloured and labelled. */
  setGrids(collection, { unit = (n) => String(n) } = {}) {
    this.grids = decorate(collection, unit);
    this.map.getSource(GRIDS)?.setData(this.grids);
    this.map.getSource(LABELS)?.setData(labelPoints(this.grids));
    this.applySelection();
  }

  /** Outlines the grids whose codes are given. */
  setSelection(codes) {
    this.selection = [...codes];
    this.applySelection();
  }

  applySelection() {
    const map = this.map;
    if (!map.getLayer('plan-selected')) return;
    const codes = ['literal', this.selection.map(String)];
    map.setFilter('plan-selected', ['in', ['get', 'code'], codes]);
    map.setPaintProperty('plan-fill', 'fill-opacity', ['case', ['in', ['get', 'code'], codes], 0.55, 0.3]);
  }

  /** The split line being drawn (lon/lat points), or null. */
  setDraft(points) {
    this.draftPoints = points;
    const features = [];
    if (points?.length) {
      if (points.length > 1) features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: points } });
      for (const p of points) features.push({ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: p } });
    }
    this.map.getSource(DRAW)?.setData({ type: 'FeatureCollection', features });
    this.crosshair = !!points;
  }

  /** The changed areas of a comparison (hatched), or null to clear them. */
  setCompare(collection) {
    this.map.getSource(COMPARE)?.setData(collection ?? EMPTY);
  }

  /** Fits the view to a GeoJSON geometry or a [w, s, e, n] box. */
  fit(geometryOrBounds, { animate = true } = {}) {
    const b = Array.isArray(geometryOrBounds) ? geometryOrBounds : geometryOrBounds && geometryBounds(geometryOrBounds);
    if (!b) return;
    const reduce = !animate || window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    this.map.fitBounds(b, { padding: 40, maxZoom: 17, duration: reduce ? 0 : 600 });
  }

  /** Reloads the base tiles: after a publish the live zones changed. */
  reloadBase() {
    try {
      this.map.refreshTiles(BASE);
    } catch (e) {
      console.warn('could not reload the base tiles', e);
    }
  }

  /** Resolves when the map is idle with every tile loaded. */
  settle() {
    const map = this.map;
    return new Promise((resolve) => {
      const check = () => {
        if (map.loaded() && map.areTilesLoaded() && !map.isMoving()) {
          map.off('idle', check);
          resolve();
        }
      };
      map.on('idle', check);
      map.triggerRepaint();
    });
  }

  /** MapLibre's own buttons speak the page's language too. */
  localize() {
    for (const [selector, key] of [
      ['.maplibregl-ctrl-zoom-in', 'map.zoomIn'],
      ['.maplibregl-ctrl-zoom-out', 'map.zoomOut'],
    ]) {
      for (const button of this.map.getContainer().querySelectorAll(selector)) {
        button.title = t(key);
        button.setAttribute('aria-label', t(key));
      }
    }
  }

  /** Relabels the grids (the household unit is language dependent). */
  relabel(unit) {
    this.setGrids(this.grids, { unit });
  }
}

/**
 * Gives every grid a colour (different from its neighbours where the palette allows: a greedy
 * colouring in code order, each grid preferring the colour of its code's sequence number, so the
 * colours stay put across edits), a darker line colour, and a label: its code's own digits and its
 * households.
 */
function decorate(collection, unit) {
  const features = [...(collection?.features ?? [])].sort((a, b) => String(a.properties.code).localeCompare(String(b.properties.code)));
  const neighbours = adjacency(features);
  const colours = new Map();
  for (const f of features) {
    const code = String(f.properties.code);
    const used = new Set([...(neighbours.get(code) ?? [])].map((c) => colours.get(c)).filter((c) => c != null));
    const seq = Number.parseInt(code.slice(-3), 10);
    const preferred = Number.isFinite(seq) ? seq % PALETTE.length : 0;
    let pick = preferred;
    for (let k = 0; k < PALETTE.length; k++) {
      const i = (preferred + k) % PALETTE.length;
      if (!used.has(i)) {
        pick = i;
        break;
      }
    }
    colours.set(code, pick);
  }
  return {
    type: 'FeatureCollection',
    features: features.map((f) => {
      const p = f.properties;
      const colour = PALETTE[colours.get(String(p.code)) ?? 0];
      return {
        ...f,
        properties: {
          ...p,
          color: colour,
          line: darken(colour, 0.45),
          label: `${shortCode(p.code, p.parent)}\n${unit(p.households ?? 0)}`,
        },
      };
    }),
  };
}

/** One label point per grid, well inside it (tiles would repeat a polygon's label). */
function labelPoints(collection) {
  return {
    type: 'FeatureCollection',
    features: (collection?.features ?? [])
      .map((f) => {
        const at = innerPoint(f.geometry);
        return at && { type: 'Feature', properties: { code: f.properties.code, label: f.properties.label, line: f.properties.line }, geometry: { type: 'Point', coordinates: at } };
      })
      .filter(Boolean),
  };
}

/**
 * A point well inside a (multi)polygon, for its label: of a lattice over its largest part, the
 * point farthest from every edge (longitude scaled by the cosine of the latitude).
 */
export function innerPoint(geometry) {
  const parts = geometry?.type === 'Polygon' ? [geometry.coordinates] : geometry?.type === 'MultiPolygon' ? geometry.coordinates : [];
  if (!parts.length) return null;
  const box = (ring) => ring.reduce((b, p) => [Math.min(b[0], p[0]), Math.min(b[1], p[1]), Math.max(b[2], p[0]), Math.max(b[3], p[1])], [Infinity, Infinity, -Infinity, -Infinity]);
  const size = (b) => (b[2] - b[0]) * (b[3] - b[1]);
  const rings = parts.reduce((best, part) => (size(box(part[0])) > size(box(best[0])) ? part : best), parts[0]);
  const b = box(rings[0]);
  const k = Math.cos((((b[1] + b[3]) / 2) * Math.PI) / 180);
  const inside = (p) => {
    let odd = false;
    for (const ring of rings) {
      for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
        const [xi, yi] = ring[i];
        const [xj, yj] = ring[j];
        if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) odd = !odd;
      }
    }
    return odd;
  };
  const clearance = (p) => {
    let d = Infinity;
    for (const ring of rings) {
      for (let i = 1; i < ring.length; i++) {
        const ax = ring[i - 1][0] * k;
        const ay = ring[i - 1][1];
        const dx = ring[i][0] * k - ax;
        const dy = ring[i][1] - ay;
        const px = p[0] * k;
        const len2 = dx * dx + dy * dy;
        const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (p[1] - ay) * dy) / len2)) : 0;
        d = Math.min(d, Math.hypot(px - (ax + t * dx), p[1] - (ay + t * dy)));
      }
    }
    return d;
  };
  let best = null;
  let depth = -1;
  const n = 14;
  for (let i = 1; i < n; i++) {
    for (let j = 1; j < n; j++) {
      const p = [b[0] + ((b[2] - b[0]) * i) / n, b[1] + ((b[3] - b[1]) * j) / n];
      if (!inside(p)) continue;
      const d = clearance(p);
      if (d > depth) {
        depth = d;
        best = p;
      }
    }
  }
  return best ?? rings[0][0];
}

/** The digits a grid's code adds to its parent's (all of it when it does not start with it). */
export function shortCode(code, parent) {
  const c = String(code ?? '');
  if (parent && c.startsWith(parent) && c.length > parent.length) return c.slice(parent.length);
  return c;
}

/** Grid code → codes of the grids sharing at least two boundary vertices with it. */
function adjacency(features) {
  const at = new Map();
  const key = (p) => `${p[0].toFixed(7)},${p[1].toFixed(7)}`;
  const rings = (g) => (g?.type === 'Polygon' ? g.coordinates : g?.type === 'MultiPolygon' ? g.coordinates.flat() : []);
  for (const f of features) {
    const code = String(f.properties.code);
    for (const ring of rings(f.geometry)) {
      for (const p of ring) {
        const k = key(p);
        let set = at.get(k);
        if (!set) at.set(k, (set = new Set()));
        set.add(code);
      }
    }
  }
  const shared = new Map();
  for (const set of at.values()) {
    if (set.size < 2) continue;
    for (const a of set) for (const b of set) if (a !== b) shared.set(`${a}|${b}`, (shared.get(`${a}|${b}`) ?? 0) + 1);
  }
  const out = new Map();
  for (const [pair, n] of shared) {
    if (n < 2) continue;
    const [a, b] = pair.split('|');
    if (!out.has(a)) out.set(a, new Set());
    out.get(a).add(b);
  }
  return out;
}

function darken(hex, amount) {
  const n = Number.parseInt(hex.slice(1), 16);
  const ch = (s) => Math.round(((n >> s) & 255) * (1 - amount));
  return `rgb(${ch(16)}, ${ch(8)}, ${ch(0)})`;
}

/** A 16×16 diagonal hatch (drawn at pixel ratio 2) for the changed areas of a comparison. */
function hatchImage() {
  const size = 16;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = 'rgba(215, 38, 61, 0.12)';
  ctx.fillRect(0, 0, size, size);
  ctx.strokeStyle = 'rgba(122, 16, 32, 0.9)';
  ctx.lineWidth = 2.5;
  ctx.lineCap = 'square';
  ctx.beginPath();
  // three strokes so the pattern tiles seamlessly
  for (const o of [-size, 0, size]) {
    ctx.moveTo(o, size);
    ctx.lineTo(o + size, 0);
  }
  ctx.stroke();
  const data = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8Array(data.data.buffer) };
}
