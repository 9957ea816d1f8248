// The planner's tables: the live balance table (网格户数表) and the comparison of two plans.

import { t, num } from './i18n.js';
import { shortCode } from './planner-map.js';
import { el } from './util.js';

const yesNo = (v) => (v == null ? '—' : v ? t('balance.yes') : t('balance.no'));
const signed = (x) => {
  if (x == null) return '—';
  const n = Math.round(x);
  return n > 0 ? `+${num(n)}` : n < 0 ? `−${num(-n)}` : '0';
};
const percent = (share) => (share == null ? '—' : `${Math.round(share * 100)}%`);
const fixed = (x, digits) => (x == null ? '—' : Number(x).toFixed(digits));

/** A code with its own digits (after the parent's) in bold. */
function codeCell(code, parent) {
  const own = shortCode(code, parent);
  const head = String(code).slice(0, String(code).length - own.length);
  return el('span', { class: 'code' }, [head ? el('span', { class: 'code-head' }, head) : null, el('b', {}, own)]);
}

/**
 * The balance table of one family of grids.
 * @param {object} balance the API's answer
 * @param {{ selected: string[], target: string|null, locked: Set<string>, colours: Map<string,string>, onRow: (code) => void }} options
 */
export function balanceTable(balance, { selected = [], target = null, locked = new Set(), colours = new Map(), onRow, levelName }) {
  const wrap = el('div', { class: 'balance', id: 'balance' });
  const bounds = balance.bounds;
  const grids = balance.grids ?? [];
  const total = grids.reduce((n, g) => n + (g.households ?? 0), 0);
  wrap.append(
    el('div', { class: 'balance-head' }, [
      el('span', { class: 'balance-range', id: 'balance-range' }, bounds ? t('balance.range', { min: num(bounds.min), max: num(bounds.max) }) : t('balance.noRange')),
      el('span', { class: 'balance-total', id: 'balance-total', 'data-households': String(total) }, t('balance.total', { n: num(grids.length), households: num(total) })),
    ]),
  );
  if (balance.warnings?.length) {
    wrap.append(
      el(
        'ul',
        { class: 'warnings', id: 'warnings', role: 'list' },
        balance.warnings.map((w) => el('li', {}, [el('span', { class: 'warn-icon', 'aria-hidden': 'true' }, '!'), String(w)])),
      ),
    );
  }
  if (!grids.length) {
    wrap.append(el('p', { class: 'dock-note' }, t('balance.empty', { level: levelName })));
    return wrap;
  }
  const cols = [
    ['code', t('balance.col.code')],
    ['name', t('balance.col.name')],
    ['households', t('balance.col.households'), 'num'],
    ['deviation', t('balance.col.deviation'), 'num'],
    ['within', t('balance.col.within')],
    ['connected', t('balance.col.connected')],
    ['pp', t('balance.col.pp'), 'num', t('balance.col.pp.title')],
    ['street', t('balance.col.street'), 'num', t('balance.col.street.title')],
  ];
  const table = el('table', { class: 'balance-table', id: 'balance-table' });
  table.append(el('thead', {}, el('tr', {}, cols.map(([key, label, cls, title]) => el('th', { scope: 'col', class: cls, title, 'data-col': key }, label)))));
  const body = el('tbody');
  const chosen = new Set(selected);
  for (const g of grids) {
    const out = g.within_bounds === false;
    const row = el(
      'tr',
      {
        class: ['grid-row', out ? 'out' : 'in', chosen.has(g.code) ? 'selected' : '', target === g.code ? 'target' : ''].filter(Boolean).join(' '),
        'data-code': g.code,
        'data-households': String(g.households ?? 0),
        'data-within': String(g.within_bounds !== false),
        tabindex: '0',
        onclick: () => onRow?.(g.code),
        onkeydown: (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            onRow?.(g.code);
          }
        },
      },
      [
        el('td', { 'data-col': 'code' }, [
          el('span', { class: 'grid-swatch', style: `background:${colours.get(g.code) ?? '#ccc'}` }),
          codeCell(g.code, g.parent ?? balance.parent),
          locked.has(g.code) ? el('span', { class: 'lock-chip', title: t('balance.locked') }, t('balance.locked')) : null,
        ]),
        el('td', { 'data-col': 'name' }, g.name ?? ''),
        el('td', { class: 'num', 'data-col': 'households' }, num(g.households)),
        el('td', { class: 'num', 'data-col': 'deviation' }, signed(g.deviation)),
        el('td', { 'data-col': 'within', class: out ? 'bad' : 'good' }, [
          yesNo(g.within_bounds),
          g.oversized_unit ? el('span', { class: 'note-chip' }, t('balance.oversized')) : null,
        ]),
        el('td', { 'data-col': 'connected', class: g.connected === false ? 'bad' : '' }, yesNo(g.connected)),
        el('td', { class: 'num', 'data-col': 'pp' }, fixed(g.polsby_popper, 2)),
        el('td', { class: 'num', 'data-col': 'street' }, percent(g.street_share)),
      ],
    );
    body.append(row);
  }
  table.append(body);
  wrap.append(el('div', { class: 'table-scroll' }, table));
  return wrap;
}

/** The comparison of two plans: totals, the grids whose households change, the buildings. */
export function compareView(result, { names, levelName, limit = 300 }) {
  const wrap = el('div', { class: 'compare', id: 'compare' });
  const buildings = result.buildings ?? [];
  const totals = result.totals ?? { buildings: buildings.length, households: buildings.reduce((n, b) => n + (b.households ?? 0), 0) };
  wrap.append(
    el('div', { class: 'balance-head' }, [
      el('span', { class: 'compare-names' }, `${names.a} → ${names.b}`),
      el(
        'span',
        { class: 'compare-totals', id: 'compare-totals', 'data-buildings': String(totals.buildings), 'data-households': String(totals.households) },
        t('compare.totals', { buildings: num(totals.buildings), households: num(totals.households) }),
      ),
      el('span', { class: 'compare-legend' }, [el('span', { class: 'hatch-swatch', 'aria-hidden': 'true' }), t('compare.legend')]),
    ]),
  );
  if (!buildings.length && !(result.grids ?? []).length) {
    wrap.append(el('p', { class: 'dock-note' }, t('compare.none', { level: levelName })));
    return wrap;
  }
  const grids = (result.grids ?? []).filter((g) => g.before !== g.after);
  const columns = el('div', { class: 'compare-cols' });
  if (grids.length) {
    const table = el('table', { class: 'balance-table compare-grids' }, [
      el('caption', {}, t('compare.grids')),
      el('thead', {}, el('tr', {}, [el('th', {}, t('balance.col.code')), el('th', { class: 'num' }, t('compare.before')), el('th', { class: 'num' }, t('compare.after')), el('th', { class: 'num' }, t('balance.col.deviation'))])),
      el(
        'tbody',
        {},
        grids.map((g) =>
          el('tr', { 'data-code': g.code }, [
            el('td', {}, el('span', { class: 'code' }, g.code)),
            el('td', { class: 'num' }, num(g.before)),
            el('td', { class: 'num' }, num(g.after)),
            el('td', { class: 'num' }, signed((g.after ?? 0) - (g.before ?? 0))),
          ]),
        ),
      ),
    ]);
    columns.append(el('div', { class: 'table-scroll' }, table));
  }
  const shown = buildings.slice(0, limit);
  const table = el('table', { class: 'balance-table compare-buildings', id: 'compare-buildings' }, [
    el('caption', {}, t('compare.building')),
    el(
      'thead',
      {},
      el('tr', {}, [
        el('th', {}, t('compare.building')),
        el('th', {}, t('compare.compound')),
        el('th', { class: 'num' }, t('compare.households')),
        el('th', {}, t('compare.from')),
        el('th', {}, t('compare.to')),
      ]),
    ),
    el(
      'tbody',
      {},
      shown.map((b) =>
        el('tr', { 'data-building': String(b.building) }, [
          el('td', {}, String(b.building)),
          el('td', {}, b.compound ?? '—'),
          el('td', { class: 'num' }, num(b.households)),
          el('td', {}, el('span', { class: 'code' }, b.from ?? '—')),
          el('td', {}, el('span', { class: 'code' }, b.to ?? '—')),
        ]),
      ),
    ),
  ]);
  columns.append(el('div', { class: 'table-scroll' }, table));
  wrap.append(columns);
  if (buildings.length > shown.length) wrap.append(el('p', { class: 'dock-note' }, t('compare.more', { n: num(buildings.length - shown.length) })));
  return wrap;
}

/** Columns of the chiefs' table: key, label key, numeric, the value a sort compares. */
const CHIEF_COLUMNS = [
  ['name', 'chiefs.col.name', false, (c) => c.name ?? ''],
  ['role', 'chiefs.col.role', false, (c) => c.role ?? ''],
  ['community', 'chiefs.col.community', false, (c) => c.community_name ?? ''],
  ['workload', 'chiefs.col.workload', true, (c) => c.load?.workload ?? -Infinity],
  ['deviation', 'chiefs.col.deviation', true, (c) => c.load?.deviation ?? -Infinity],
  ['buildings', 'chiefs.col.buildings', true, (c) => c.load?.buildings ?? -Infinity],
  ['streets', 'chiefs.col.streets', true, (c) => c.load?.streets ?? -Infinity],
  ['households', 'chiefs.col.households', true, (c) => c.load?.households ?? -Infinity],
  ['street_m', 'chiefs.col.streetM', true, (c) => c.load?.street_m ?? -Infinity],
  ['band', 'chiefs.col.band', false, (c) => (c.load ? (c.load.within_band ? 1 : 0) : -1)],
];

/** A deviation from the mean (a fraction) as a signed percentage. */
export function deviationPercent(d) {
  if (d == null) return '—';
  const n = Math.round(d * 100);
  return n > 0 ? `+${n}%` : n < 0 ? `−${-n}%` : '0%';
}

/**
 * The street chiefs of a community (or all) with their live workloads, sortable by any column.
 * @param {object[]} list chiefs as `/api/chiefs` gives them
 * @param {{ sort: {key: string, dir: number}, onSort: (key) => void, onRow: (chief) => void,
 *   flash: Set<number>, colours: Map<number,string>, highlight: number|null, caption: string }} options
 */
export function chiefTable(list, { sort, onSort, onRow, flash = new Set(), colours = new Map(), highlight = null, caption = '' }) {
  const wrap = el('div', { class: 'balance chiefs', id: 'chiefs' });
  const out = list.filter((c) => c.load && !c.load.within_band).length;
  // one mean when every chief listed is measured against the same one (one territory)
  const means = new Set(list.filter((c) => c.load).map((c) => c.load.mean));
  const mean = means.size === 1 ? [...means][0] : null;
  wrap.append(
    el('div', { class: 'balance-head' }, [
      el('span', { class: 'balance-total', id: 'chiefs-total', 'data-count': String(list.length) }, caption),
      mean != null ? el('span', {}, t('chiefs.mean', { n: num(mean) })) : null,
      el('span', { class: out ? 'chiefs-out-count bad' : 'chiefs-out-count', id: 'chiefs-out', 'data-out': String(out) }, t('chiefs.outCount', { n: num(out) })),
      el('span', { class: 'compare-legend' }, [el('span', { class: 'hatch-swatch chiefs-hatch-swatch', 'aria-hidden': 'true' }), t('chiefs.legend.out')]),
    ]),
  );
  if (!list.length) {
    wrap.append(el('p', { class: 'dock-note' }, t('chiefs.empty')));
    return wrap;
  }
  const column = CHIEF_COLUMNS.find(([key]) => key === sort.key) ?? CHIEF_COLUMNS[3];
  const value = column[3];
  const rows = [...list].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    const c = typeof x === 'string' ? x.localeCompare(y, 'zh-CN') : x - y;
    return c * sort.dir || a.id - b.id;
  });
  const table = el('table', { class: 'balance-table chiefs-table', id: 'chiefs-table' });
  table.append(
    el(
      'thead',
      {},
      el(
        'tr',
        {},
        CHIEF_COLUMNS.map(([key, label, numeric]) =>
          el(
            'th',
            {
              scope: 'col',
              class: numeric ? 'num' : '',
              'data-col': key,
              'aria-sort': sort.key === key ? (sort.dir > 0 ? 'ascending' : 'descending') : 'none',
            },
            el(
              'button',
              { type: 'button', class: 'sort-btn', id: `chiefs-sort-${key}`, onclick: () => onSort?.(key) },
              [t(label), sort.key === key ? el('span', { class: 'sort-mark', 'aria-hidden': 'true' }, sort.dir > 0 ? ' ▲' : ' ▼') : null],
            ),
          ),
        ),
      ),
    ),
  );
  const body = el('tbody');
  for (const c of rows) {
    const l = c.load;
    const bad = l && !l.within_band;
    body.append(
      el(
        'tr',
        {
          class: ['grid-row', 'chief-row', bad ? 'out' : 'in', flash.has(c.id) ? 'flash' : '', highlight === c.id ? 'selected' : ''].filter(Boolean).join(' '),
          'data-chief': String(c.id),
          'data-buildings': String(l?.buildings ?? 0),
          'data-streets': String(l?.streets ?? 0),
          'data-households': String(l?.households ?? 0),
          'data-workload': String(l?.workload ?? 0),
          'data-within': String(!bad),
          tabindex: '0',
          onclick: () => onRow?.(c),
          onkeydown: (e) => {
            if (e.key === 'Enter' || e.key === ' ') {
              e.preventDefault();
              onRow?.(c);
            }
          },
        },
        [
          el('td', { 'data-col': 'name' }, [el('span', { class: 'grid-swatch', style: `background:${colours.get(c.id) ?? '#ccc'}` }), c.name]),
          el('td', { 'data-col': 'role' }, t(`chiefs.role.${c.role}`)),
          el('td', { 'data-col': 'community' }, c.community_name ?? '—'),
          el('td', { class: 'num', 'data-col': 'workload' }, l ? num(l.workload) : '—'),
          el('td', { class: 'num', 'data-col': 'deviation' }, l ? deviationPercent(l.deviation) : '—'),
          el('td', { class: 'num', 'data-col': 'buildings' }, l ? num(l.buildings) : '—'),
          el('td', { class: 'num', 'data-col': 'streets' }, l ? num(l.streets) : '—'),
          el('td', { class: 'num', 'data-col': 'households' }, l ? num(l.households) : '—'),
          el('td', { class: 'num', 'data-col': 'street_m' }, l ? num(l.street_m) : '—'),
          el('td', { 'data-col': 'band', class: bad ? 'bad' : 'good' }, l ? (bad ? `✗ ${t('chiefs.band.out')}` : `✓ ${t('chiefs.band.in')}`) : '—'),
        ],
      ),
    );
  }
  table.append(body);
  wrap.append(el('div', { class: 'table-scroll' }, table));
  return wrap;
}
