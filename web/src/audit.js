// The audit log (审计日志) for administrators and leaders: every change — who, when, what, before
// and after — newest first, filtered by action, actor, target and Shanghai dates, a page at a time,
// and exported as CSV by the server (`GET /api/audit?format=csv`). Nothing here can change an
// entry: the log is append-only in the database.

import { requireUser } from './auth.js';
import { lang, setLang, onLangChange, t, htmlLang } from './i18n.js';
import { el } from './util.js';

const $ = (id) => document.getElementById(id);
const ACTIONS = ['import', 'change', 'plan_create', 'plan_edit', 'publish', 'discard', 'assign', 'tier', 'inspection', 'problem', 'problem_step', 'visit', 'sign_in', 'sign_in_failed', 'sign_out', 'user', 'password'];
const state = { next: null, rows: [] };

function query(extra = {}) {
  const q = new URLSearchParams();
  const put = (k, v) => v && q.set(k, v);
  put('action', $('f-action').value);
  put('actor', $('f-actor').value.trim());
  put('target', $('f-target').value.trim());
  put('since', $('f-since').value);
  put('until', $('f-until').value);
  for (const [k, v] of Object.entries(extra)) put(k, v);
  return q;
}

function brief(value) {
  if (value == null) return '';
  const text = JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}…` : text;
}

function row(e) {
  return el('tr', { 'data-id': e.id, 'data-action': e.action }, [
    el('td', {}, e.at.replace('T', ' ').slice(0, 19)),
    el('td', {}, e.actor),
    el('td', {}, lang() === 'zh' ? e.action_zh : e.action),
    el('td', {}, e.target),
    el('td', {}, e.summary),
    el('td', { class: 'audit-change' }, [brief(e.before), e.before != null || e.after != null ? ' → ' : '', brief(e.after)]),
  ]);
}

async function load(more = false) {
  const q = query({ before: more ? String(state.next) : '', limit: '100' });
  $('export').href = `api/audit?${query({ format: 'csv' })}`;
  const res = await fetch(`api/audit?${q}`, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    $('audit-note').textContent = body.error ?? `${res.status}`;
    return;
  }
  if (!more) state.rows = [];
  state.rows.push(...body.entries);
  state.next = body.next;
  render();
}

function render() {
  $('audit').tBodies[0].replaceChildren(...state.rows.map(row));
  $('audit-note').textContent = t('audit.count', { n: state.rows.length });
  $('more').hidden = state.next == null;
}

function chrome() {
  document.documentElement.lang = htmlLang();
  document.title = t('audit.title');
  $('app-title').textContent = t('audit.title');
  for (const [id, key] of Object.entries({
    'to-dashboard': 'audit.toDashboard', lang: 'lang.switch', 'f-action-label': 'audit.action', 'f-actor-label': 'audit.actor',
    'f-target-label': 'audit.target', 'f-since-label': 'audit.since', 'f-until-label': 'audit.until', 'f-apply': 'audit.apply',
    export: 'audit.export', 'h-at': 'audit.at', 'h-actor': 'audit.actor', 'h-action': 'audit.action', 'h-target': 'audit.target',
    'h-summary': 'audit.summary', 'h-change': 'audit.change', more: 'audit.more',
  })) $(id).textContent = t(key);
  const select = $('f-action');
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '' }, t('audit.all')), ...ACTIONS.map((a) => el('option', { value: a }, t(`audit.a.${a}`))));
  select.value = chosen;
  if (state.rows.length) render();
}

async function main() {
  chrome();
  onLangChange(chrome);
  $('lang').addEventListener('click', () => setLang(lang() === 'zh' ? 'en' : 'zh'));
  $('audit-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    load();
  });
  $('more').addEventListener('click', () => load(true));
  await requireUser({ roles: ['admin', 'leader'] });
  await load();
}

main();
