// The planner's street-chief mode (街长) on the map: every chief's area from the `chiefs` vector
// tiles, coloured by the tile's `colour` (touching areas never share one), hatched and outlined in
// red where the workload is outside the ±25 % band, names from `chief_labels`, and the buildings
// and streets of the base style on top. A building or street segment can be dragged onto another
// chief's area (the map does not pan while it is dragged), or clicked to be given away from the
// side panel.

/** The tile source of the chiefs' areas (`/tiles/chiefs.json`). */
export const CHIEFS = 'chiefs';
const PICK = 'chiefs-pick';
const HATCH = 'chiefs-hatch';

/** Eight area colours that read well over the light base and under dark buildings; no red. */
export const CHIEF_PALETTE = ['#4E79A7', '#F28E2B', '#59A14F', '#B07AA1', '#76B7B2', '#EDC948', '#FF9DA7', '#9C755F'];

/** The base style's layers this mode hides (tier colours would fight the chiefs' colours and the red band marks). */
const HIDDEN_BASE = ['compounds-fill', 'compound-dots', 'compounds-outline'];
/** The plan's own layers (planner-map.js), hidden in this mode. */
const HIDDEN_PLAN = ['plan-fill', 'plan-compare-hatch', 'plan-line-casing', 'plan-line', 'plan-compare-line', 'plan-locked', 'plan-selected', 'plan-label'];
/** Base layers drawing streets, for picking a street segment. */
const STREET_LAYERS = ['street', 'street-casing', 'street-lane', 'street-footway'];
/** How near (pixels) a press must be to a street's line to pick it. */
const STREET_SLOP = 6;
/** How far (pixels) the pointer moves before a press becomes a drag. */
const DRAG_START = 4;

const colourExpr = ['match', ['to-number', ['get', 'colour'], 0], ...CHIEF_PALETTE.flatMap((c, i) => (i ? [i, c] : [])), CHIEF_PALETTE[0]];

export class ChiefsMap {
  /**
   * @param {import('./planner-map.js').PlanMap} planMap
   * @param {{ onPick: (item: object) => void, onDrop: (drop: object) => void,
   *   onDrag?: (drag: object|null) => void, label: (drag: object) => string }} options
   */
  constructor(planMap, { onPick, onDrop, onDrag, label }) {
    this.planMap = planMap;
    this.map = planMap.map;
    this.onPick = onPick;
    this.onDrop = onDrop;
    this.onDrag = onDrag;
    this.label = label;
    this.active = false;
    this.level = 'resident';
    this.highlight = null;
    this.picked = null;
    this.drag = null;
    this.saved = new Map();
    this.ghost = null;
    this.wire();
  }

  /** Adds the chiefs' source and layers (hidden) to the loaded map. */
  prepare() {
    const map = this.map;
    if (map.getSource(CHIEFS)) return;
    map.addImage(HATCH, hatchImage(), { pixelRatio: 2 });
    map.addSource(CHIEFS, { type: 'vector', url: new URL('tiles/chiefs.json', location.href).href });
    map.addSource(PICK, { type: 'geojson', data: { type: 'FeatureCollection', features: [] } });
    const streetsFirst = map.getLayer('street-footway') ? 'street-footway' : undefined;
    const underBuildings = map.getLayer('buildings') ? 'buildings' : undefined;
    const hidden = { visibility: 'none' };
    const level = ['==', ['get', 'level'], this.level];
    map.addLayer(
      { id: 'chiefs-fill', type: 'fill', source: CHIEFS, 'source-layer': 'chiefs', filter: level, layout: hidden, paint: { 'fill-color': colourExpr, 'fill-opacity': 0.42 } },
      streetsFirst,
    );
    map.addLayer(
      {
        id: 'chiefs-out-hatch',
        type: 'fill',
        source: CHIEFS,
        'source-layer': 'chiefs',
        filter: ['all', level, ['!', ['get', 'within_band']]],
        layout: hidden,
        paint: { 'fill-pattern': HATCH, 'fill-opacity': 0.9 },
      },
      streetsFirst,
    );
    map.addLayer(
      {
        id: 'chiefs-line',
        type: 'line',
        source: CHIEFS,
        'source-layer': 'chiefs',
        filter: level,
        layout: { ...hidden, 'line-join': 'round' },
        paint: { 'line-color': ['match', ['to-number', ['get', 'colour'], 0], ...CHIEF_PALETTE.flatMap((c, i) => (i ? [i, darken(c)] : [])), darken(CHIEF_PALETTE[0])], 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 0.8, 17, 2] },
      },
      underBuildings,
    );
    map.addLayer(
      {
        id: 'chiefs-out-line',
        type: 'line',
        source: CHIEFS,
        'source-layer': 'chiefs',
        filter: ['all', level, ['!', ['get', 'within_band']]],
        layout: { ...hidden, 'line-join': 'round' },
        paint: { 'line-color': '#C62828', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 1.2, 17, 2.6], 'line-dasharray': [2, 1.2], 'line-offset': -1 },
      },
      underBuildings,
    );
    // the chief chosen in the table, and the one under the pointer while dragging
    map.addLayer({
      id: 'chiefs-highlight',
      type: 'line',
      source: CHIEFS,
      'source-layer': 'chiefs',
      filter: ['==', ['get', 'chief'], -1],
      layout: { ...hidden, 'line-join': 'round' },
      paint: { 'line-color': '#1D4ED8', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 2.5, 17, 5], 'line-opacity': 0.9 },
    });
    map.addLayer({
      id: 'chiefs-target',
      type: 'line',
      source: CHIEFS,
      'source-layer': 'chiefs',
      filter: ['==', ['get', 'chief'], -1],
      layout: { ...hidden, 'line-join': 'round' },
      paint: { 'line-color': '#111827', 'line-width': ['interpolate', ['linear'], ['zoom'], 12, 3, 17, 6] },
    });
    // the building or street picked or being dragged
    map.addLayer({
      id: 'chiefs-pick-fill',
      type: 'fill',
      source: PICK,
      filter: ['==', ['geometry-type'], 'Polygon'],
      layout: hidden,
      paint: { 'fill-color': '#1D4ED8', 'fill-opacity': 0.55, 'fill-outline-color': '#0B1F66' },
    });
    map.addLayer({
      id: 'chiefs-pick-line',
      type: 'line',
      source: PICK,
      layout: { ...hidden, 'line-cap': 'round', 'line-join': 'round' },
      paint: { 'line-color': '#1D4ED8', 'line-width': ['interpolate', ['linear'], ['zoom'], 13, 4, 18, 10], 'line-opacity': 0.85 },
    });
    map.addLayer({
      id: 'chiefs-label',
      type: 'symbol',
      source: CHIEFS,
      'source-layer': 'chief_labels',
      filter: level,
      layout: {
        ...hidden,
        'text-field': ['concat', ['get', 'name'], '\n', ['to-string', ['get', 'workload']]],
        'text-size': ['interpolate', ['linear'], ['zoom'], 13, 12, 17, 15],
        'text-max-width': 8,
        'text-padding': 2,
      },
      paint: { 'text-color': '#1F2937', 'text-halo-color': 'rgba(255,255,255,0.95)', 'text-halo-width': 2 },
    });
  }

  get layers() {
    return ['chiefs-fill', 'chiefs-out-hatch', 'chiefs-line', 'chiefs-out-line', 'chiefs-highlight', 'chiefs-target', 'chiefs-pick-fill', 'chiefs-pick-line', 'chiefs-label'];
  }

  /** Shows or hides the mode: the chiefs' layers in, the plan's grids and the tier fills out. */
  setActive(on) {
    const map = this.map;
    if (!map.getLayer('chiefs-fill')) return;
    this.active = on;
    if (!on) this.cancelDrag();
    const vis = (id, v) => map.getLayer(id) && map.setLayoutProperty(id, 'visibility', v ? 'visible' : 'none');
    for (const id of this.layers) vis(id, on);
    for (const id of [...HIDDEN_BASE, ...HIDDEN_PLAN]) vis(id, !on);
    // buildings stand out over the areas
    if (map.getLayer('buildings')) {
      if (on) {
        if (!this.saved.has('buildings')) this.saved.set('buildings', map.getPaintProperty('buildings', 'fill-opacity'));
        map.setPaintProperty('buildings', 'fill-opacity', ['interpolate', ['linear'], ['zoom'], 14, 0.35, 17, 0.55]);
      } else if (this.saved.has('buildings')) {
        map.setPaintProperty('buildings', 'fill-opacity', this.saved.get('buildings'));
        this.saved.delete('buildings');
      }
    }
    if (!on) map.getCanvas().style.cursor = '';
  }

  /** Shows the areas of one chief level. */
  setLevel(level) {
    this.level = level;
    const map = this.map;
    if (!map.getLayer('chiefs-fill')) return;
    const is = ['==', ['get', 'level'], level];
    for (const id of ['chiefs-fill', 'chiefs-line', 'chiefs-label']) map.setFilter(id, is);
    for (const id of ['chiefs-out-hatch', 'chiefs-out-line']) map.setFilter(id, ['all', is, ['!', ['get', 'within_band']]]);
    this.setHighlight(this.highlight);
    this.setTarget(null);
  }

  /** Outlines one chief's area (chosen in the table), or none. */
  setHighlight(chief) {
    this.highlight = chief ?? null;
    this.map.getLayer('chiefs-highlight') && this.map.setFilter('chiefs-highlight', ['all', ['==', ['get', 'level'], this.level], ['==', ['get', 'chief'], chief ?? -1]]);
  }

  setTarget(chief) {
    this.map.getLayer('chiefs-target') && this.map.setFilter('chiefs-target', ['all', ['==', ['get', 'level'], this.level], ['==', ['get', 'chief'], chief ?? -1]]);
  }

  /** Marks the picked building or street (a GeoJSON geometry), or nothing. */
  setPicked(geometry) {
    this.picked = geometry ?? null;
    this.showPick(this.picked);
  }

  showPick(geometry) {
    this.map.getSource(PICK)?.setData({ type: 'FeatureCollection', features: geometry ? [{ type: 'Feature', properties: {}, geometry }] : [] });
  }

  /** Re-requests the chiefs' tiles: the server answers changed ones anew (ETag, no-cache). */
  refresh() {
    try {
      this.map.refreshTiles(CHIEFS);
    } catch (e) {
      console.warn('could not reload the chiefs tiles', e);
    }
  }

  /** The chief area (tile properties) under a screen point, on the level shown. */
  chiefAt(point) {
    if (!this.map.getLayer('chiefs-fill')) return null;
    // as [x, y]: a plain {x, y} would be taken for the options (and query the whole view)
    const f = this.map.queryRenderedFeatures([point.x, point.y], { layers: ['chiefs-fill'] })[0];
    return f ? { ...f.properties, chief: Number(f.properties.chief) } : null;
  }

  /** The building (exactly under the point) or else the street segment (near it) at a point. */
  itemAt(point) {
    const map = this.map;
    const b = map.getLayer('buildings') ? map.queryRenderedFeatures([point.x, point.y], { layers: ['buildings'] })[0] : null;
    const bid = b ? Number(b.properties?.id ?? b.id) : NaN;
    if (Number.isFinite(bid)) return { kind: 'building', id: bid, geometry: b.geometry };
    const layers = STREET_LAYERS.filter((id) => map.getLayer(id));
    if (!layers.length) return null;
    const box = [
      [point.x - STREET_SLOP, point.y - STREET_SLOP],
      [point.x + STREET_SLOP, point.y + STREET_SLOP],
    ];
    const streets = map.queryRenderedFeatures(box, { layers }).filter((f) => Number.isFinite(Number(f.id ?? f.properties?.id)));
    if (!streets.length) return null;
    // the segment whose line passes nearest the point
    const at = map.unproject([point.x, point.y]);
    let best = null;
    let bestD = Infinity;
    for (const f of streets) {
      const d = lineDistance([at.lng, at.lat], f.geometry);
      if (d < bestD) {
        bestD = d;
        best = f;
      }
    }
    return { kind: 'street', id: Number(best.id ?? best.properties.id), name: best.properties?.name ?? null, geometry: best.geometry };
  }

  /** The colours of the areas in the loaded tiles, by chief id (for the table's swatches). */
  colours() {
    const out = new Map();
    if (!this.map.getSource(CHIEFS)) return out;
    for (const f of this.map.querySourceFeatures(CHIEFS, { sourceLayer: 'chiefs', filter: ['==', ['get', 'level'], this.level] })) {
      out.set(Number(f.properties.chief), CHIEF_PALETTE[Number(f.properties.colour) % CHIEF_PALETTE.length]);
    }
    return out;
  }

  /** Label points of the areas in the loaded tiles: chief id → [lon, lat]. */
  places() {
    const out = new Map();
    if (!this.map.getSource(CHIEFS)) return out;
    for (const f of this.map.querySourceFeatures(CHIEFS, { sourceLayer: 'chief_labels', filter: ['==', ['get', 'level'], this.level] })) {
      if (f.geometry?.type === 'Point') out.set(Number(f.properties.chief), f.geometry.coordinates);
    }
    return out;
  }

  /** The tile properties of a chief's area in the loaded tiles (first piece found), or null. */
  tileFigures(chief) {
    if (!this.map.getSource(CHIEFS)) return null;
    const f = this.map.querySourceFeatures(CHIEFS, {
      sourceLayer: 'chiefs',
      filter: ['all', ['==', ['get', 'level'], this.level], ['==', ['get', 'chief'], Number(chief)]],
    })[0];
    return f ? { ...f.properties } : null;
  }

  // ---------------------------------------------------------------- pointer

  wire() {
    const map = this.map;
    map.on('mousedown', (e) => {
      if (!this.active || e.originalEvent.button !== 0 || this.planMap.panKey) return;
      const item = this.itemAt(e.point);
      if (!item) return;
      e.preventDefault(); // no drag-pan: this drag carries the item
      this.drag = { ...item, start: { x: e.point.x, y: e.point.y }, from: this.chiefAt(e.point), over: null, moving: false };
    });
    map.on('mousemove', (e) => {
      if (!this.active) return;
      const canvas = map.getCanvas();
      const drag = this.drag;
      if (!drag) {
        if (!this.planMap.panKey) canvas.style.cursor = this.itemAt(e.point) ? 'grab' : '';
        return;
      }
      if (!drag.moving) {
        if (Math.hypot(e.point.x - drag.start.x, e.point.y - drag.start.y) < DRAG_START) return;
        drag.moving = true;
        this.showPick(drag.geometry);
      }
      drag.over = this.chiefAt(e.point);
      drag.point = { x: e.point.x, y: e.point.y };
      const same = drag.over && drag.from && drag.over.chief === drag.from.chief;
      this.setTarget(drag.over && !same ? drag.over.chief : null);
      canvas.style.cursor = drag.over && !same ? 'copy' : 'grabbing';
      this.showGhost(drag, e.point);
      this.onDrag?.(drag);
    });
    const end = () => {
      const drag = this.drag;
      if (!drag) return;
      this.drag = null;
      this.hideGhost();
      this.setTarget(null);
      this.onDrag?.(null);
      if (!drag.moving) return; // a click: the map's click event picks the item
      this.showPick(this.picked);
      this.onDrop?.({ kind: drag.kind, id: drag.id, geometry: drag.geometry, from: drag.from, to: drag.over });
    };
    map.on('mouseup', end);
    window.addEventListener('mouseup', end);
    window.addEventListener('blur', () => this.cancelDrag());
    map.on('click', (e) => {
      if (!this.active) return;
      const item = this.itemAt(e.point);
      this.onPick?.(item ? { ...item, area: this.chiefAt(e.point), lngLat: [e.lngLat.lng, e.lngLat.lat] } : null);
    });
  }

  cancelDrag() {
    if (!this.drag) return;
    this.drag = null;
    this.hideGhost();
    this.setTarget(null);
    this.onDrag?.(null);
    this.showPick(this.picked);
  }

  /** A chip by the pointer: what is dragged, from whom, onto whom. */
  showGhost(drag, point) {
    if (!this.ghost) {
      this.ghost = document.createElement('div');
      this.ghost.className = 'drag-ghost';
      this.ghost.id = 'drag-ghost';
      this.ghost.setAttribute('aria-hidden', 'true');
      this.map.getContainer().append(this.ghost);
    }
    this.ghost.textContent = this.label(drag);
    this.ghost.dataset.over = drag.over ? String(drag.over.chief) : '';
    this.ghost.classList.toggle('valid', !!drag.over && drag.over.chief !== drag.from?.chief);
    this.ghost.style.transform = `translate(${Math.round(point.x + 14)}px, ${Math.round(point.y + 14)}px)`;
  }

  hideGhost() {
    this.ghost?.remove();
    this.ghost = null;
  }
}

/** Distance (degrees, longitude scaled) from a point to a (multi)line geometry. */
function lineDistance(p, geometry) {
  const lines = geometry?.type === 'LineString' ? [geometry.coordinates] : geometry?.type === 'MultiLineString' ? geometry.coordinates : [];
  const k = Math.cos((p[1] * Math.PI) / 180);
  let d = Infinity;
  for (const line of lines) {
    for (let i = 1; i < line.length; i++) {
      const ax = line[i - 1][0] * k;
      const ay = line[i - 1][1];
      const dx = line[i][0] * k - ax;
      const dy = line[i][1] - ay;
      const px = p[0] * k;
      const len2 = dx * dx + dy * dy;
      const t = len2 ? Math.max(0, Math.min(1, ((px - ax) * dx + (p[1] - ay) * dy) / len2)) : 0;
      d = Math.min(d, Math.hypot(px - (ax + t * dx), p[1] - (ay + t * dy)));
    }
  }
  return d;
}

function darken(hex, amount = 0.4) {
  const n = Number.parseInt(hex.slice(1), 16);
  const ch = (s) => Math.round(((n >> s) & 255) * (1 - amount));
  return `rgb(${ch(16)}, ${ch(8)}, ${ch(0)})`;
}

/** A 16×16 red diagonal hatch (pixel ratio 2) over the areas outside the workload band. */
function hatchImage() {
  const size = 16;
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const ctx = canvas.getContext('2d');
  ctx.strokeStyle = 'rgba(198, 40, 40, 0.75)';
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (const o of [-size, 0, size]) {
    ctx.moveTo(o, size);
    ctx.lineTo(o + size, 0);
  }
  ctx.stroke();
  const data = ctx.getImageData(0, 0, size, size);
  return { width: size, height: size, data: new Uint8Array(data.data.buffer) };
}
