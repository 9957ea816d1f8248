// The leaders' dashboard (领导驾驶舱): one zone at a time, from /api/dashboard — compounds by tier
// in the zone and in each of its children (click a bar to drill down), overdue inspections, open
// and escalated problems, week-by-week trends of tiers and of problems, the chiefs with overdue
// compounds, the compounds with the most 12345 work orders, and the tier changes inspectors
// suggested, to confirm. Charts are plain SVG: nothing is fetched from outside.

import { currentUser, requireUser, userIs } from './auth.js';
import './style.css';
import './dashboard.css';

import { lang, setLang, onLangChange, t, num, htmlLang } from './i18n.js';
import { el, TIERS } from './util.js';

const $ = (id) => document.getElementById(id);
const SVG = 'http://www.w3.org/2000/svg';
const COLOR = { green: '#2e9d48', yellow: '#f2c200', red: '#d7263d' };
const WEEKS = 12;

const state = { trail: [], data: null, error: null };
// For tests and the console: `await __dashboard.ready` after a load.
const dash = { state, ready: Promise.resolve(), errors: [] };
window.__dashboard = dash;

function svg(tag, attrs = {}, children = []) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null) continue;
    if (typeof v === 'function' && k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of [].concat(children)) {
    if (c == null) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `${res.status} ${res.statusText}`);
  return body;
}

/** Loads one zone (`null` for the main zone) and draws it. */
function load(code) {
  dash.ready = (async () => {
    try {
      const q = new URLSearchParams({ weeks: String(WEEKS) });
      if (code) q.set('zone', code);
      state.data = await getJson(`api/dashboard?${q}`);
      state.error = null;
      const zone = state.data.zone;
      const at = state.trail.findIndex((z) => z.code === zone.code);
      if (at >= 0) state.trail = state.trail.slice(0, at + 1);
      else state.trail.push({ code: zone.code, name: zone.name });
    } catch (e) {
      state.error = e.message ?? String(e);
      dash.errors.push(state.error);
    }
    render();
  })();
  return dash.ready;
}
dash.load = load;

function pct(n, total) {
  return total ? Math.round((100 * n) / total) : 0;
}

function kpi(key, value, extra = {}) {
  return el('div', { class: `kpi ${extra.class ?? ''}`, 'data-kpi': key }, [
    el('div', { class: 'kpi-value' }, num(value)),
    el('div', { class: 'kpi-label' }, t(`dash.kpi.${key}`)),
    extra.note ? el('div', { class: 'kpi-note' }, extra.note) : null,
  ]);
}

function section(key, body, id) {
  return el('section', { class: 'dash-card', id }, [el('h2', {}, t(`dash.${key}`)), body]);
}

/** Horizontal stacked bars, one per child zone: green, yellow, red; click to drill down. */
function tierBars(children) {
  if (!children.length) return el('p', { class: 'dash-note' }, t('dash.noChildren'));
  const rowH = 30;
  const labelW = 150;
  const width = 640;
  const barW = width - labelW - 130;
  const max = Math.max(1, ...children.map((c) => TIERS.reduce((s, k) => s + (c.tiers?.[k] ?? 0), 0)));
  const chart = svg('svg', {
    class: 'chart bars',
    viewBox: `0 0 ${width} ${children.length * rowH + 8}`,
    role: 'img',
    'aria-label': t('dash.tiersByZone'),
  });
  children.forEach((c, i) => {
    const y = i * rowH + 4;
    const row = svg('g', {
      class: 'bar',
      'data-code': c.code,
      tabindex: 0,
      role: 'button',
      onclick: () => load(c.code),
      onkeydown: (e) => {
        if (e.key === 'Enter' || e.key === ' ') load(c.code);
      },
    });
    row.append(svg('text', { x: labelW - 8, y: y + 18, 'text-anchor': 'end', class: 'bar-label' }, c.name));
    let x = labelW;
    for (const k of TIERS) {
      const n = c.tiers?.[k] ?? 0;
      const w = (barW * n) / max;
      if (w > 0) {
        row.append(
          svg('rect', { x, y: y + 4, width: w, height: rowH - 10, fill: COLOR[k], 'data-tier': k }, [
            svg('title', {}, `${c.name} · ${t(`tier.${k}`)} ${n}`),
          ]),
        );
      }
      x += w;
    }
    const total = TIERS.reduce((s, k) => s + (c.tiers?.[k] ?? 0), 0);
    const extra = [];
    if (c.overdue) extra.push(t('dash.overdueShort', { n: c.overdue }));
    if (c.problems_open) extra.push(t('dash.openShort', { n: c.problems_open }));
    row.append(svg('text', { x: x + 6, y: y + 18, class: 'bar-value' }, [num(total), extra.length ? ` · ${extra.join(' · ')}` : '']));
    chart.append(row);
  });
  return chart;
}

/** Stacked columns per week: tiers at each week's end. */
function tierTrend(trend) {
  const width = 640;
  const height = 200;
  const pad = { l: 36, r: 8, t: 8, b: 28 };
  const w = (width - pad.l - pad.r) / Math.max(1, trend.length);
  const max = Math.max(1, ...trend.map((wk) => wk.green + wk.yellow + wk.red));
  const scale = (v) => ((height - pad.t - pad.b) * v) / max;
  const chart = svg('svg', { class: 'chart trend', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('dash.tierTrend') });
  chart.append(svg('text', { x: pad.l - 6, y: pad.t + 10, 'text-anchor': 'end', class: 'axis' }, num(max)));
  trend.forEach((wk, i) => {
    const x = pad.l + i * w;
    let y = height - pad.b;
    const g = svg('g', { class: 'week', 'data-week': wk.week });
    for (const k of TIERS) {
      const h = scale(wk[k]);
      y -= h;
      if (h > 0) g.append(svg('rect', { x: x + 3, y, width: Math.max(1, w - 6), height: h, fill: COLOR[k] }, [svg('title', {}, `${wk.week} · ${t(`tier.${k}`)} ${wk[k]}`)]));
    }
    if (wk.tier_changes) {
      g.append(svg('text', { x: x + w / 2, y: y - 3, 'text-anchor': 'middle', class: 'axis' }, `Δ${wk.tier_changes}`));
    }
    g.append(svg('text', { x: x + w / 2, y: height - 10, 'text-anchor': 'middle', class: 'axis' }, wk.week.slice(5)));
    chart.append(g);
  });
  return chart;
}

/** Columns per week: problems reported (hotline work orders darker) and inspections as a line. */
function workTrend(trend) {
  const width = 640;
  const height = 180;
  const pad = { l: 36, r: 8, t: 12, b: 28 };
  const w = (width - pad.l - pad.r) / Math.max(1, trend.length);
  const max = Math.max(1, ...trend.map((wk) => Math.max(wk.problems ?? 0, wk.inspections ?? 0)));
  const scale = (v) => ((height - pad.t - pad.b) * v) / max;
  const chart = svg('svg', { class: 'chart work', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': t('dash.workTrend') });
  chart.append(svg('text', { x: pad.l - 6, y: pad.t + 8, 'text-anchor': 'end', class: 'axis' }, num(max)));
  const points = [];
  trend.forEach((wk, i) => {
    const x = pad.l + i * w;
    const base = height - pad.b;
    const all = scale(wk.problems ?? 0);
    const hot = scale(wk.hotline ?? 0);
    const g = svg('g', { class: 'week', 'data-week': wk.week, 'data-problems': wk.problems ?? 0, 'data-inspections': wk.inspections ?? 0 });
    if (all > 0) g.append(svg('rect', { x: x + 4, y: base - all, width: Math.max(1, w - 8), height: all, class: 'col-problems' }, [svg('title', {}, `${wk.week} · ${t('dash.problemsReported')} ${wk.problems}`)]));
    if (hot > 0) g.append(svg('rect', { x: x + 4, y: base - hot, width: Math.max(1, w - 8), height: hot, class: 'col-hotline' }, [svg('title', {}, `${wk.week} · 12345 ${wk.hotline}`)]));
    g.append(svg('text', { x: x + w / 2, y: height - 10, 'text-anchor': 'middle', class: 'axis' }, wk.week.slice(5)));
    chart.append(g);
    points.push(`${x + w / 2},${base - scale(wk.inspections ?? 0)}`);
  });
  chart.append(svg('polyline', { points: points.join(' '), class: 'line-inspections' }));
  return el('div', {}, [
    chart,
    el('p', { class: 'legend-line' }, [
      el('span', { class: 'sw sw-problems' }), t('dash.problemsReported'), ' ',
      el('span', { class: 'sw sw-hotline' }), t('dash.hotline'), ' ',
      el('span', { class: 'sw sw-line' }), t('dash.inspections'),
    ]),
  ]);
}

function table(headers, rows, attrs = {}) {
  if (!rows.length) return el('p', { class: 'dash-note' }, t('dash.none'));
  return el('table', { class: 'dash-table', ...attrs }, [
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows),
  ]);
}

function tierDot(tier) {
  return el('span', { class: `dot dot-${tier}`, title: t(`tier.${tier}`) });
}

function suggestions(list) {
  if (!list.length) return el('p', { class: 'dash-note' }, t('dash.noSuggestions'));
  // Confirming changes the tier: planners and administrators do it, as themselves.
  const may = userIs('admin', 'planner');
  const user = currentUser();
  const message = el('p', { id: 'confirm-message', class: 'dash-note', role: 'status' });
  const rows = list.map((s) =>
    el('tr', { 'data-code': s.code }, [
      el('td', {}, [tierDot(s.tier), ' ', s.name]),
      el('td', {}, [t(`tier.${s.tier}`), ' → ', el('strong', {}, t(`tier.${s.suggested}`))]),
      el('td', {}, `${s.inspector} · ${s.date ?? ''}`),
      el('td', {}, el('button', {
        type: 'button',
        class: 'confirm',
        disabled: !may,
        onclick: async (e) => {
          e.target.disabled = true;
          try {
            const res = await fetch(`api/compounds/${encodeURIComponent(s.code)}/tier`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ tier: s.suggested, reason: t('dash.confirmReason', { inspector: s.inspector, date: s.date ?? '' }) }),
            });
            const body = await res.json().catch(() => ({}));
            if (!res.ok) throw new Error(body.error ?? res.statusText);
            await load(state.data.zone.code);
          } catch (err) {
            e.target.disabled = false;
            message.textContent = err.message;
          }
        },
      }, t('dash.confirm'))),
    ]),
  );
  return el('div', {}, [
    el('p', { class: 'confirm-row', id: 'confirm-by' }, may ? [t('dash.confirmBy'), ' ', user.display_name || user.username] : t('dash.confirmNotYours')),
    table([t('dash.compound'), t('dash.suggested'), t('dash.inspector'), ''], rows, { id: 'suggestions' }),
    message,
  ]);
}

function render() {
  document.documentElement.lang = htmlLang();
  document.title = t('dash.title');
  $('app-title').textContent = t('dash.title');
  const leader = $('to-leader');
  leader.textContent = t('dash.toLeader');
  // The audit log is for administrators and leaders.
  const audit = $('to-audit');
  audit.textContent = t('audit.link');
  audit.hidden = !userIs('admin', 'leader');
  const button = $('lang');
  button.textContent = t('lang.switch');
  button.onclick = () => setLang(lang() === 'zh' ? 'en' : 'zh');
  const board = $('board');
  board.replaceChildren();
  if (state.error) {
    board.append(el('p', { class: 'dash-note error', id: 'dash-error' }, t('dash.error', { message: state.error })));
    return;
  }
  const d = state.data;
  if (!d) {
    board.append(el('p', { class: 'dash-note' }, t('app.loading')));
    return;
  }
  $('place').textContent = d.zone.name ?? '';
  const total = TIERS.reduce((s, k) => s + (d.tiers?.[k] ?? 0), 0);
  const trail = el('nav', { class: 'trail', id: 'dash-trail', 'aria-label': t('dash.trail') },
    state.trail.flatMap((z, i) => {
      const last = i === state.trail.length - 1;
      const item = last
        ? el('span', { class: 'here' }, z.name)
        : el('a', { href: '#', onclick: (e) => { e.preventDefault(); load(z.code); } }, z.name);
      return i ? [' › ', item] : [item];
    }),
  );
  const problems = d.problems ?? {};
  const kpis = el('div', { class: 'kpis' }, [
    kpi('compounds', total, { note: t('dash.today', { date: d.today ?? '' }) }),
    kpi('red', d.tiers?.red ?? 0, { class: 'k-red', note: `${pct(d.tiers?.red ?? 0, total)}%` }),
    kpi('yellow', d.tiers?.yellow ?? 0, { class: 'k-yellow', note: `${pct(d.tiers?.yellow ?? 0, total)}%` }),
    kpi('green', d.tiers?.green ?? 0, { class: 'k-green', note: `${pct(d.tiers?.green ?? 0, total)}%` }),
    kpi('overdue', d.overdue?.total ?? 0, { class: d.overdue?.total ? 'k-alert' : '' }),
    kpi('open', problems.open ?? 0, { note: t('dash.overdueProblems', { n: problems.overdue ?? 0 }) }),
    kpi('escalated', problems.escalated ?? 0, { class: problems.escalated ? 'k-alert' : '' }),
    kpi('suggestions', d.suggestions?.length ?? 0),
    kpi('rentals', d.prohibited_rentals?.length ?? 0, { class: d.prohibited_rentals?.length ? 'k-alert' : '' }),
  ]);
  const rentals = (d.prohibited_rentals ?? []).map((r) =>
    el('tr', { 'data-code': r.code }, [
      el('td', {}, [tierDot(r.tier), ' ', r.name]),
      el('td', {}, r.note || t('dash.none')),
      el('td', {}, `${r.inspector} · ${r.date ?? ''}`),
    ]),
  );
  const chiefs = (d.overdue?.by_chief ?? []).slice(0, 20).map((c) =>
    el('tr', { 'data-chief': c.id }, [
      el('td', {}, c.name),
      el('td', {}, el('a', { href: `tel:${c.phone}` }, c.phone)),
      el('td', { class: 'n' }, `${num(c.overdue)} / ${num(c.compounds)}`),
      el('td', { class: 'n' }, t('dash.days', { n: c.most_days_overdue })),
    ]),
  );
  const ranking = (problems.hotline_ranking ?? []).map((c, i) =>
    el('tr', { 'data-code': c.code }, [
      el('td', { class: 'n' }, String(i + 1)),
      el('td', {}, [tierDot(c.tier), ' ', c.name]),
      el('td', { class: 'n' }, num(c.work_orders)),
    ]),
  );
  board.append(
    el('div', { class: 'dash-head' }, [trail, el('h2', { class: 'zone-name', id: 'zone-name' }, d.zone.name)]),
    kpis,
    el('div', { class: 'dash-grid' }, [
      section('tiersByZone', tierBars(d.children ?? []), 'tiers-by-zone'),
      section('tierTrend', tierTrend(d.trend ?? []), 'tier-trend'),
      section('workTrend', workTrend(d.trend ?? []), 'work-trend'),
      section('overdueByChief', table([t('dash.chief'), t('dash.phone'), t('dash.overdueOf'), t('dash.mostDays')], chiefs, { id: 'overdue-chiefs' }), 'overdue'),
      section('hotlineRanking', table(['#', t('dash.compound'), t('dash.workOrders')], ranking, { id: 'hotline-ranking' }), 'hotline'),
      section('suggestions', suggestions(d.suggestions ?? []), 'suggestions-card'),
      section('rentals', table([t('dash.compound'), t('dash.rentalNote'), t('dash.inspector')], rentals, { id: 'prohibited-rentals' }), 'rentals-card'),
    ]),
  );
}

onLangChange(render);
window.addEventListener('error', (e) => dash.errors.push(e.message));
const first = new URLSearchParams(location.search).get('zone');
requireUser({ roles: ['admin', 'planner', 'leader', 'viewer'] }).then(() => load(first));
