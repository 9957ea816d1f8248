// The plan API of the wangge server (same origin as the page): plans, their zones, balance,
// edits, undo/redo, publish, discard, compare. Every failure is a PlanApiError carrying the HTTP
// status and the server's JSON body (`error`, and for a 409 `current_version` + `missed`).

export class PlanApiError extends Error {
  constructor(status, body, path) {
    super(body?.error ?? body?.message ?? `${status}`);
    this.name = 'PlanApiError';
    this.status = status;
    this.body = body ?? {};
    this.path = path;
  }

  /** 409: the plan changed since the version the request was based on. */
  get conflict() {
    return this.status === 409;
  }
}

async function request(method, path, body) {
  const init = { method, headers: { accept: 'application/json' } };
  if (body !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch (e) {
    throw new PlanApiError(0, { error: e?.message ?? String(e) }, path);
  }
  let json = null;
  const text = await res.text();
  if (text) {
    try {
      json = JSON.parse(text);
    } catch {
      json = res.ok ? null : { error: `${res.status} ${res.statusText}: ${text.slice(0, 200)}` };
    }
  }
  if (!res.ok) {
    throw new PlanApiError(res.status, json ?? { error: `${res.status} ${res.statusText}` }, path);
  }
  return json;
}

const enc = encodeURIComponent;
const query = (params) => {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
};

export const plans = {
  list: () => request('GET', 'api/plans'),
  create: (name, by) => request('POST', 'api/plans', { name, by }),
  get: (id) => request('GET', `api/plans/${enc(id)}`),
  zones: (id, { level, zone } = {}) => request('GET', `api/plans/${enc(id)}/zones${query({ level, zone })}`),
  balance: (id, { level, zone } = {}) => request('GET', `api/plans/${enc(id)}/balance${query({ zone, level })}`),
  edit: (id, version, by, edit) => request('POST', `api/plans/${enc(id)}/edits`, { version, by, edit }),
  undo: (id, version, by) => request('POST', `api/plans/${enc(id)}/undo`, { version, by }),
  redo: (id, version, by) => request('POST', `api/plans/${enc(id)}/redo`, { version, by }),
  publish: (id, version, by) => request('POST', `api/plans/${enc(id)}/publish`, { version, by }),
  discard: (id, version, by) => request('POST', `api/plans/${enc(id)}/discard`, { version, by }),
  compare: (a, b, level) => request('GET', `api/plans/compare${query({ a, b, level })}`),
};

export const live = {
  meta: () => request('GET', 'api/meta'),
  levels: () => request('GET', 'api/levels'),
  /** The live communities (GeoJSON), for the street chiefs, who work on live data. */
  communities: () => request('GET', 'api/zones?level=community&limit=1000'),
};

/** Street chiefs (live data, not part of any plan): the roster, one chief's area, reassignment. */
export const chiefs = {
  list: ({ level, community } = {}) => request('GET', `api/chiefs${query({ level, community })}`),
  get: (id) => request('GET', `api/chiefs/${enc(id)}`),
  building: (id) => request('GET', `api/buildings/${enc(id)}`),
  /**
   * A street segment by id. There is no `/api/streets/{id}`: the segment is looked up among the
   * streets in `bbox` ([w, s, e, n], its own box), which the caller knows from the map.
   */
  street: async (id, bbox) => {
    const path = `api/streets${query({ bbox: bbox.map((v) => v.toFixed(7)).join(','), limit: 1000 })}`;
    const found = (await request('GET', path))?.features?.find((f) => Number(f.id) === Number(id));
    if (!found) throw new PlanApiError(404, { error: `no street segment ${id} in ${bbox.join(',')}` }, path);
    return found;
  },
  /** Gives buildings or streets to a chief; answers `{data_version, level, chiefs}`. */
  assign: (kind, targets, chief, level) => request('POST', 'api/duties', { kind, targets, chief, level }),
};
