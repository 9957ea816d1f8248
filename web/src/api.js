// The JSON API of the wangge server, same origin as the page.

async function get(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  if (!res.ok) {
    let message = `${res.status} ${res.statusText}`;
    try {
      const body = await res.json();
      if (body && body.error) message = body.error;
      else if (body && body.message) message = body.message;
    } catch {
      // not JSON: keep the status line
    }
    throw new Error(`${path}: ${message}`);
  }
  return res.json();
}

const enc = encodeURIComponent;

export const api = {
  meta: () => get('api/meta'),
  levels: () => get('api/levels'),
  summary: (code) => (code ? get(`api/zones/${enc(code)}/summary`) : get('api/summary')),
  zone: (code) => get(`api/zones/${enc(code)}`),
  compound: (code) => get(`api/compounds/${enc(code)}`),
  street: (id) => get(`api/streets/${enc(id)}`),
  history: (code) => get(`api/compounds/${enc(code)}/history`),
  compounds: ({ tier, bbox, limit = 1000 }) => {
    const q = new URLSearchParams({ limit: String(limit) });
    if (tier) q.set('tier', tier);
    if (bbox) q.set('bbox', bbox.join(','));
    return get(`api/compounds?${q}`);
  },
};

/** The [minLon, minLat, maxLon, maxLat] box of a GeoJSON geometry. */
export function geometryBounds(geometry) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  const walk = (c) => {
    if (typeof c[0] === 'number') {
      if (c[0] < b[0]) b[0] = c[0];
      if (c[1] < b[1]) b[1] = c[1];
      if (c[0] > b[2]) b[2] = c[0];
      if (c[1] > b[3]) b[3] = c[1];
    } else {
      for (const x of c) walk(x);
    }
  };
  walk(geometry.coordinates);
  return Number.isFinite(b[0]) ? b : null;
}
