// The patrol view's field work: recording an inspection of a compound (巡查登记), the next due
// date of every compound in the chief's list, reporting a problem at a point (上报问题) and acting
// on the open problems routed to the chief (我的问题). patrol.js owns the session, the map and the
// lists; this module is started with what it needs from there.

import * as maplibregl from 'maplibre-gl';

import { t } from './i18n.js';
import { el } from './util.js';

/** The inspection topics, as the server names them (`POST /api/compounds/{code}/inspections`). */
export const TOPICS = ['rentals', 'sanitation', 'public_order', 'fire_safety', 'epidemic'];
/** The server's inspector roles; a signed-in street chief is `chief`. */
export const ROLES = ['chief', 'grid_worker', 'floating_population_officer', 'community_police'];
/** The server's problem categories (`POST /api/problems`). */
export const CATEGORIES = [
  'sanitation', 'public_order', 'fire_safety', 'facilities', 'illegal_construction',
  'noise', 'traffic', 'property', 'dispute', 'other',
];
/** What a chief does to a problem from the phone, in order. */
const STEPS = ['accept', 'start', 'resolve'];

const $ = (id) => document.getElementById(id);

let ctx; // { patrol, request, HttpError, describe }
const work = {
  due: new Map(), // compound code → the server's due entry
  dueDate: null, // today in Asia/Shanghai, as the server counts it
  problems: null, // GET /api/problems?chief=&open=true
  inspecting: null, // the compound the inspection form is open for
  point: null, // { lon, lat, source: 'gps' | 'centre' | 'map', accuracy? } of the problem form
  marker: null,
  picking: false,
  problemErrors: new Map(), // problem id → the server's refusal, shown on its item
  lastRouting: null,
};

/** Starts the module: wires the forms once. */
export function initWork(context) {
  ctx = context;
  ctx.patrol.work = work;
  buildInspectForm();
  $('inspect-form').addEventListener('submit', submitInspection);
  $('inspect-cancel').addEventListener('click', closeSheets);
  $('report-problem').addEventListener('click', openProblemForm);
  $('problem-form').addEventListener('submit', submitProblem);
  $('problem-cancel').addEventListener('click', closeSheets);
  $('problem-pick').addEventListener('click', startPicking);
  // an answer clears the last refusal
  $('problem-form').addEventListener('input', () => ($('problem-error').hidden = true));
  $('inspect-inspector').addEventListener('input', () => ($('inspect-error').hidden = true));
  $('inspect-photo').addEventListener('change', showPhotoPreview);
  $('inspect-photo-clear').addEventListener('click', clearPhoto);
  $('pick-cancel').addEventListener('click', stopPicking);
  $('sheet-backdrop').addEventListener('click', closeSheets);
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape') closeSheets();
  });
  renderWorkChrome();
}

/** The signed-in user's name for `inspector` and `reporter`: the display name, else the chief's. */
function userName() {
  const user = ctx.patrol.area?.user ?? ctx.patrol.user ?? {};
  const chief = ctx.patrol.area?.chief ?? {};
  if (user.display_name && user.display_name !== user.username) return user.display_name;
  return chief.name || user.chief_name || user.display_name || user.username || '';
}

function chiefId() {
  return ctx.patrol.area?.chief?.id ?? ctx.patrol.area?.user?.chief ?? null;
}

// ---------------------------------------------------------------------------------------------
// Texts

export function renderWorkChrome() {
  const text = {
    'inspect-title': 'patrol.inspect.title',
    'inspect-inspector-label': 'patrol.inspect.inspector',
    'inspect-role-label': 'patrol.inspect.role',
    'inspect-topics-legend': 'patrol.inspect.topics',
    'inspect-tier-label': 'patrol.inspect.tier',
    'inspect-tier-hint': 'patrol.inspect.tierHint',
    'inspect-photo-label': 'patrol.inspect.photo',
    'inspect-photo-hint': 'patrol.inspect.photoHint',
    'inspect-photo-clear': 'patrol.inspect.photoClear',
    'inspect-cancel': 'patrol.cancel',
    'inspect-submit': 'patrol.inspect.submit',
    'problems-title': 'patrol.problems',
    'report-problem': 'patrol.problem.report',
    'problem-title': 'patrol.problem.report',
    'problem-category-label': 'patrol.problem.category',
    'problem-text-label': 'patrol.problem.text',
    'problem-place-label': 'patrol.problem.place',
    'problem-pick': 'patrol.problem.pick',
    'problem-cancel': 'patrol.cancel',
    'problem-submit': 'patrol.problem.submit',
    'pick-text': 'patrol.problem.picking',
    'pick-cancel': 'patrol.problem.pickBack',
  };
  for (const [id, key] of Object.entries(text)) $(id).textContent = t(key);
  const role = $('inspect-role');
  const chosenRole = role.value || 'chief';
  role.replaceChildren(...ROLES.map((r) => el('option', { value: r }, t(`inspector.role.${r}`))));
  role.value = chosenRole;
  const tier = $('inspect-tier');
  for (const option of tier.options) option.textContent = t(option.value ? `tier.${option.value}.short` : 'patrol.inspect.tierNone');
  const category = $('problem-category');
  const chosen = category.value;
  category.replaceChildren(
    el('option', { value: '' }, t('patrol.problem.choose')),
    ...CATEGORIES.map((c) => el('option', { value: c }, t(`problem.category.${c}`))),
  );
  category.value = chosen;
  for (const topic of TOPICS) {
    $(`inspect-topic-${topic}`).textContent = t(`inspect.topic.${topic}`);
    $(`inspect-ok-${topic}`).textContent = t('patrol.inspect.ok');
    $(`inspect-problem-${topic}`).textContent = t('patrol.inspect.problem');
    $(`inspect-note-${topic}`).placeholder = t('patrol.inspect.notePlaceholder');
  }
  if (work.inspecting) renderInspectHead();
  if (!$('problem-form').hidden) renderWhere();
  if (work.problems) renderProblems();
  if (work.lastRouting) renderRouting(work.lastRouting);
  renderDueSummary();
}

// ---------------------------------------------------------------------------------------------
// Next due dates in the compound list

/** The due dates of the chief's compounds: one `GET /api/due?zone=` for the chief's community,
 * then one `GET /api/compounds/{code}/inspections` for any compound outside it. */
export async function loadDue() {
  const area = ctx.patrol.area;
  const codes = (area?.compounds ?? []).map((c) => c.code);
  if (!codes.length) return;
  const community = area.chief?.community;
  const wanted = new Set(codes);
  const found = new Map();
  const all = await ctx.request('GET', community ? `api/due?zone=${encodeURIComponent(community)}` : 'api/due');
  work.dueDate = all.today ?? null;
  for (const d of all.compounds ?? []) if (wanted.has(d.code)) found.set(d.code, d);
  const missing = codes.filter((c) => !found.has(c));
  await Promise.all(
    missing.map(async (code) => {
      const one = await ctx.request('GET', `api/compounds/${encodeURIComponent(code)}/inspections`);
      found.set(code, one.due);
    }),
  );
  work.due = found;
  renderDue();
}

/** Fills the due date into each compound's list item (after patrol.js draws the list). */
export function renderDue() {
  for (const li of document.querySelectorAll('#compounds li[data-code]')) decorateCompound(li);
  renderDueSummary();
}

function renderDueSummary() {
  const box = $('due-summary');
  if (!work.due.size) {
    box.hidden = true;
    return;
  }
  const list = [...work.due.values()];
  box.hidden = false;
  box.textContent = t('patrol.due.summary', {
    overdue: list.filter((d) => d.overdue).length,
    today: list.filter((d) => !d.overdue && d.next_due === work.dueDate).length,
  });
}

/** The 巡查登记 button and the due line of one compound's list item. */
export function decorateCompound(li) {
  const code = li.dataset.code;
  let button = li.querySelector('button.p-inspect');
  if (!button) {
    button = el('button', { type: 'button', class: 'p-btn p-inspect' });
    button.addEventListener('click', () => openInspectForm(code));
    li.append(button);
  }
  button.textContent = t('patrol.inspect.button');
  const due = work.due.get(code);
  const text = li.querySelector('.p-compound-text');
  let line = li.querySelector('.p-due');
  if (!due) {
    line?.remove();
    return;
  }
  li.dataset.nextDue = due.next_due;
  li.dataset.overdue = String(!!due.overdue);
  li.classList.toggle('overdue', !!due.overdue);
  if (!line) {
    line = el('span', { class: 'p-due' });
    text.append(line);
  }
  line.classList.toggle('overdue', !!due.overdue);
  line.classList.toggle('today', !due.overdue && due.next_due === work.dueDate);
  line.textContent = due.overdue
    ? t('patrol.due.overdue', { n: due.days_overdue, date: due.next_due })
    : due.next_due === work.dueDate
      ? t('patrol.due.today', { date: due.next_due })
      : t('patrol.due.next', { date: due.next_due });
  decoratePhoto(text, due.last_inspection);
}

/** The last inspection's photo as a thumbnail linking to the full picture, or nothing. */
function decoratePhoto(text, last) {
  let thumb = text.querySelector('a.p-photo-thumb');
  const url = last?.photo_url;
  if (!url) {
    thumb?.remove();
    return;
  }
  // The server's URL is rooted at /api; relative, like every other request of the page.
  const href = url.replace(/^\//, '');
  const title = t('patrol.inspect.photoThumb', { date: last.date ?? '' });
  if (!thumb || thumb.getAttribute('href') !== href) {
    thumb?.remove();
    thumb = el('a', { class: 'p-photo-thumb', href, target: '_blank', rel: 'noopener' }, [el('img', { src: href, alt: title, loading: 'lazy' })]);
    // A tap on the thumbnail opens the photo, not the compound.
    thumb.addEventListener('click', (e) => e.stopPropagation());
    text.append(thumb);
  }
  thumb.title = title;
  thumb.querySelector('img').alt = title;
}

// ---------------------------------------------------------------------------------------------
// Sheets

function openSheet(id) {
  closeSheets();
  $('sheet-backdrop').hidden = false;
  $(id).hidden = false;
  document.body.classList.add('p-sheet-open');
}

/** Signed out: nothing of the last chief's stays on the page. */
export function resetWork() {
  closeSheets();
  work.due = new Map();
  work.problems = null;
  work.lastRouting = null;
  work.problemErrors.clear();
  $('problem-routing').hidden = true;
  $('problems').replaceChildren();
  $('due-summary').hidden = true;
}

export function closeSheets() {
  stopPicking(false);
  for (const id of ['inspect-form', 'problem-form']) $(id).hidden = true;
  $('sheet-backdrop').hidden = true;
  document.body.classList.remove('p-sheet-open');
  work.inspecting = null;
  work.marker?.remove();
  work.marker = null;
}

function notice(text) {
  const box = $('notice');
  box.textContent = text;
  box.hidden = false;
  clearTimeout(notice.timer);
  notice.timer = setTimeout(() => (box.hidden = true), 6000);
}

// ---------------------------------------------------------------------------------------------
// Inspections

function buildInspectForm() {
  const box = $('inspect-topics');
  for (const topic of TOPICS) {
    const choice = (value) =>
      el('label', { class: `p-choice ${value}` }, [
        el('input', { type: 'radio', name: topic, value }),
        el('span', { id: `inspect-${value}-${topic}` }),
      ]);
    const note = el('textarea', { id: `inspect-note-${topic}`, class: 'p-note', rows: '2', maxlength: '2000', hidden: true });
    const row = el('div', { class: 'p-topic', 'data-topic': topic }, [
      el('span', { class: 'p-topic-name', id: `inspect-topic-${topic}` }),
      el('div', { class: 'p-choices', role: 'radiogroup', 'aria-labelledby': `inspect-topic-${topic}` }, [choice('ok'), choice('problem')]),
      note,
    ]);
    row.addEventListener('change', () => topicChanged(topic));
    box.append(row);
  }
}

function topicValue(topic) {
  return document.querySelector(`#inspect-form input[name="${topic}"]:checked`)?.value ?? null;
}

function topicChanged(topic) {
  const problem = topicValue(topic) === 'problem';
  const note = $(`inspect-note-${topic}`);
  note.hidden = !problem;
  note.closest('.p-topic').classList.toggle('problem', problem);
  if (problem && document.activeElement?.name === topic) note.focus({ preventScroll: true });
  $('inspect-error').hidden = true;
  renderRentalAlert();
}

/** A rental found in a red (禁止级) compound breaks the tier's rule: said at once, in red. */
function renderRentalAlert() {
  const c = work.inspecting;
  const alert = $('inspect-rental-alert');
  const breach = c?.tier === 'red' && topicValue('rentals') === 'problem';
  alert.hidden = !breach;
  alert.textContent = breach ? t('patrol.inspect.redRental') : '';
  $('inspect-form').classList.toggle('red-rental', breach);
}

function renderInspectHead() {
  const c = work.inspecting;
  const due = work.due.get(c.code);
  $('inspect-compound').replaceChildren(
    el('span', { class: `p-badge ${c.tier}` }, t(`tier.${c.tier}.short`)),
    el('span', { class: 'p-sheet-name' }, [
      el('strong', {}, c.name || c.code),
      el('span', { class: 'p-hint' }, [
        t(`tier.${c.tier}`),
        due ? ` · ${due.overdue ? t('patrol.due.overdue', { n: due.days_overdue, date: due.next_due }) : t('patrol.due.next', { date: due.next_due })}` : '',
      ]),
    ]),
  );
  const red = $('inspect-red');
  red.hidden = c.tier !== 'red';
  red.textContent = c.tier === 'red' ? t('patrol.inspect.redRule') : '';
  $('inspect-topic-rentals').closest('.p-topic').classList.toggle('key', c.tier === 'red');
  renderRentalAlert();
}

function openInspectForm(code) {
  const c = (ctx.patrol.area?.compounds ?? []).find((x) => x.code === code);
  if (!c) return;
  openSheet('inspect-form');
  work.inspecting = c;
  $('inspect-form').reset();
  $('inspect-form').classList.remove('red-rental');
  $('inspect-inspector').value = userName();
  $('inspect-role').value = 'chief';
  $('inspect-tier').value = '';
  clearPhoto();
  for (const topic of TOPICS) {
    $(`inspect-note-${topic}`).hidden = true;
    $(`inspect-note-${topic}`).closest('.p-topic').classList.remove('problem');
  }
  $('inspect-error').hidden = true;
  $('inspect-submit').disabled = false;
  renderInspectHead();
  $('inspect-form').scrollTop = 0;
}

function inspectError(text) {
  const box = $('inspect-error');
  box.hidden = false;
  box.textContent = text;
  box.scrollIntoView({ block: 'nearest' });
}

async function submitInspection(event) {
  event.preventDefault();
  const c = work.inspecting;
  if (!c) return;
  const inspector = $('inspect-inspector').value.trim();
  if (!inspector) return inspectError(t('patrol.inspect.needInspector'));
  const findings = {};
  for (const topic of TOPICS) {
    const value = topicValue(topic);
    if (!value) continue;
    findings[topic] = { ok: value === 'ok', note: value === 'problem' ? $(`inspect-note-${topic}`).value.trim() : '' };
  }
  if (!Object.keys(findings).length) return inspectError(t('patrol.inspect.needFinding'));
  const body = { inspector, role: $('inspect-role').value, findings };
  const tier = $('inspect-tier').value;
  if (tier) body.suggested_tier = tier;
  const button = $('inspect-submit');
  button.disabled = true;
  button.textContent = t('patrol.saving');
  try {
    const file = $('inspect-photo').files?.[0];
    if (file) {
      try {
        body.photo = await photoBody(file);
      } catch (e) {
        return inspectError(e.message || t('patrol.inspect.photoUnreadable'));
      }
    }
    const answer = await ctx.request('POST', `api/compounds/${encodeURIComponent(c.code)}/inspections`, body);
    work.due.set(c.code, answer.due);
    ctx.patrol.lastInspection = answer;
    const redRental = c.tier === 'red' && findings.rentals && !findings.rentals.ok;
    closeSheets();
    renderDue();
    notice(
      t(redRental ? 'patrol.inspect.savedRed' : 'patrol.inspect.saved', {
        name: c.name || c.code,
        date: answer.next_due ?? answer.due?.next_due,
      }),
    );
  } catch (e) {
    inspectError(ctx.describe(e));
  } finally {
    button.disabled = false;
    button.textContent = t('patrol.inspect.submit');
  }
}

// ---------------------------------------------------------------------------------------------
// The inspection's photo

/** The longest side a photo is sent with, in pixels, and the JPEG quality of a scaled one. */
const PHOTO_MAX_SIDE = 1600;
const PHOTO_QUALITY = 0.8;
/** The server's limit (5 MiB), and the size below which a small enough JPEG, PNG or WebP is sent
 * as it is. */
const PHOTO_MAX_BYTES = 5 * 1024 * 1024;
const PHOTO_KEEP_BYTES = 1024 * 1024;
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];

function showPhotoPreview() {
  const file = $('inspect-photo').files?.[0];
  const img = $('inspect-photo-preview');
  if (img.src) URL.revokeObjectURL(img.src);
  if (!file) {
    clearPhoto();
    return;
  }
  img.src = URL.createObjectURL(file);
  img.alt = t('patrol.inspect.photoPreview');
  $('inspect-photo-box').hidden = false;
  $('inspect-error').hidden = true;
}

function clearPhoto() {
  $('inspect-photo').value = '';
  const img = $('inspect-photo-preview');
  if (img.src) URL.revokeObjectURL(img.src);
  img.removeAttribute('src');
  $('inspect-photo-box').hidden = true;
}

/** The photo as the server takes it, `{mime, data}` with the bytes in base64: a JPEG, PNG or WebP
 * within 1600 px and 1 MiB goes as it is; anything larger (a phone's 12-megapixel photo) is drawn
 * into a canvas at most 1600 px on its long side and sent as JPEG at quality 0.8. */
async function photoBody(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    throw new Error(t('patrol.inspect.photoUnreadable'));
  }
  const { width, height } = bitmap;
  const long = Math.max(width, height);
  let blob = file;
  if (!PHOTO_TYPES.includes(file.type) || long > PHOTO_MAX_SIDE || file.size > PHOTO_KEEP_BYTES) {
    const scale = Math.min(1, PHOTO_MAX_SIDE / long);
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(width * scale));
    canvas.height = Math.max(1, Math.round(height * scale));
    const g = canvas.getContext('2d');
    // JPEG has no transparency: a transparent PNG gets a white background, not a black one.
    g.fillStyle = '#fff';
    g.fillRect(0, 0, canvas.width, canvas.height);
    g.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', PHOTO_QUALITY));
    if (!blob) throw new Error(t('patrol.inspect.photoUnreadable'));
  }
  bitmap.close?.();
  if (blob.size > PHOTO_MAX_BYTES) throw new Error(t('patrol.inspect.photoTooLarge'));
  return { mime: blob.type, data: await base64(blob) };
}

/** A blob's bytes in base64 (without the `data:` prefix). */
function base64(blob) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(String(reader.result).split(',', 2)[1] ?? '');
    reader.onerror = () => reject(new Error(t('patrol.inspect.photoUnreadable')));
    reader.readAsDataURL(blob);
  });
}

// ---------------------------------------------------------------------------------------------
// Problems: reporting

function setPoint(point) {
  work.point = point;
  renderWhere();
  const map = ctx.patrol.map;
  if (!map) return;
  if (!work.marker) {
    const dot = el('div', { class: 'p-marker', title: t('patrol.problem.place') });
    work.marker = new maplibregl.Marker({ element: dot, anchor: 'bottom' }).setLngLat([point.lon, point.lat]).addTo(map);
  } else work.marker.setLngLat([point.lon, point.lat]);
}

function renderWhere() {
  const p = work.point;
  if (!p) {
    $('problem-where').textContent = '';
    return;
  }
  const coords = `${p.lon.toFixed(5)}, ${p.lat.toFixed(5)}`;
  const key = { gps: 'patrol.problem.where.gps', centre: 'patrol.problem.where.centre', map: 'patrol.problem.where.map' }[p.source];
  $('problem-where').textContent = t(key, { m: Math.round(p.accuracy ?? 0), coords });
  $('problem-where').dataset.source = p.source;
}

function openProblemForm() {
  openSheet('problem-form');
  $('problem-form').reset();
  $('problem-error').hidden = true;
  $('problem-submit').disabled = false;
  renderWorkChrome();
  const map = ctx.patrol.map;
  const centre = map?.getCenter();
  if (centre) setPoint({ lon: centre.lng, lat: centre.lat, source: 'centre' });
  // The phone's position when the user allows it; until then (or if refused) the map's centre.
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        if ($('problem-form').hidden || work.point?.source === 'map') return;
        setPoint({ lon: pos.coords.longitude, lat: pos.coords.latitude, source: 'gps', accuracy: pos.coords.accuracy });
      },
      () => {},
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
    );
  }
}

/** 在地图上选点: the sheet steps aside, the next tap on the map sets the place. */
function startPicking() {
  const map = ctx.patrol.map;
  if (!map) return;
  work.picking = true;
  $('problem-form').hidden = true;
  $('sheet-backdrop').hidden = true;
  $('pick-bar').hidden = false;
  document.body.classList.remove('p-sheet-open');
  $('map').scrollIntoView({ block: 'start' });
  map.getCanvas().style.cursor = 'crosshair';
  map.once('click', onPick);
}

function onPick(e) {
  if (!work.picking) return;
  setPoint({ lon: e.lngLat.lng, lat: e.lngLat.lat, source: 'map' });
  stopPicking();
}

function stopPicking(reopen = true) {
  if (!work.picking) return;
  work.picking = false;
  const map = ctx.patrol.map;
  if (map) {
    map.off('click', onPick);
    map.getCanvas().style.cursor = '';
  }
  $('pick-bar').hidden = true;
  if (reopen) {
    $('problem-form').hidden = false;
    $('sheet-backdrop').hidden = false;
    document.body.classList.add('p-sheet-open');
  }
}

function problemError(text) {
  const box = $('problem-error');
  box.hidden = false;
  box.textContent = text;
}

async function submitProblem(event) {
  event.preventDefault();
  const category = $('problem-category').value;
  const description = $('problem-text').value.trim();
  if (!category) return problemError(t('patrol.problem.needCategory'));
  if (!description) return problemError(t('patrol.problem.needText'));
  if (!work.point) return problemError(t('patrol.problem.needPlace'));
  const button = $('problem-submit');
  button.disabled = true;
  button.textContent = t('patrol.saving');
  try {
    const answer = await ctx.request('POST', 'api/problems', {
      lon: work.point.lon,
      lat: work.point.lat,
      category,
      description,
      reporter: userName(),
      source: 'patrol',
    });
    ctx.patrol.lastProblem = answer.problem;
    closeSheets();
    work.lastRouting = answer.problem;
    renderRouting(answer.problem);
    notice(t('patrol.problem.sent', { id: answer.problem.id }));
    await loadProblems();
  } catch (e) {
    problemError(ctx.describe(e));
  } finally {
    button.disabled = false;
    button.textContent = t('patrol.problem.submit');
  }
}

/** Where the server routed a reported problem: chief, grid, community. */
function renderRouting(p) {
  const r = p.routing ?? {};
  const mine = r.chief?.id != null && r.chief.id === chiefId();
  const none = t('patrol.problem.nobody');
  const box = $('problem-routing');
  box.hidden = false;
  box.dataset.id = p.id;
  box.replaceChildren(
    el('strong', {}, t('patrol.problem.routed', { id: p.id })),
    el('dl', { class: 'p-routing-list' }, [
      el('div', { 'data-field': 'chief' }, [
        el('dt', {}, t('patrol.problem.routing.chief')),
        el('dd', {}, r.chief ? `${r.chief.name ?? r.chief.id}${r.chief.phone ? ` · ${r.chief.phone}` : ''}${mine ? ` (${t('patrol.problem.me')})` : ''}` : none),
      ]),
      el('div', { 'data-field': 'grid' }, [el('dt', {}, t('patrol.problem.routing.grid')), el('dd', {}, r.grid ? (r.grid.name ?? r.grid.code) : none)]),
      el('div', { 'data-field': 'community' }, [
        el('dt', {}, t('patrol.problem.routing.community')),
        el('dd', {}, r.community ? (r.community.name ?? r.community.code) : none),
      ]),
      el('div', { 'data-field': 'deadline' }, [el('dt', {}, t('patrol.problem.deadline')), el('dd', {}, p.deadline_local ?? '')]),
    ]),
    ...(mine ? [] : [el('p', { class: 'p-hint' }, t('patrol.problem.notMine'))]),
    el('button', { type: 'button', class: 'p-btn p-routing-close', onclick: () => ((work.lastRouting = null), (box.hidden = true)) }, t('patrol.close')),
  );
}

// ---------------------------------------------------------------------------------------------
// Problems: the chief's open ones

export async function loadProblems() {
  const id = chiefId();
  if (id == null) return;
  work.problems = await ctx.request('GET', `api/problems?chief=${encodeURIComponent(id)}&open=true&limit=200`);
  renderProblems();
}

function renderProblems() {
  const list = work.problems?.problems ?? [];
  $('problems-title').textContent = t('patrol.problems.n', { n: work.problems?.total ?? list.length });
  $('problems-summary').textContent = t('patrol.problems.summary', { overdue: list.filter((p) => p.overdue).length });
  $('problems').replaceChildren(
    ...(list.length
      ? list.map((p) => {
          const error = work.problemErrors.get(p.id);
          const where = p.routing?.compound?.name ?? p.address ?? `${p.lon.toFixed(5)}, ${p.lat.toFixed(5)}`;
          const steps = STEPS.filter((a) => (p.actions ?? []).includes(a));
          return el('li', { class: `p-problem${p.overdue ? ' overdue' : ''}`, 'data-id': p.id, 'data-state': p.state, 'data-overdue': String(!!p.overdue) }, [
            el('div', { class: 'p-problem-main' }, [
              el('span', { class: 'p-kind' }, t(`problem.category.${p.category}`)),
              el('span', { class: `p-state ${p.state}` }, t(`problem.state.${p.state}`)),
              p.level !== 'chief' ? el('span', { class: 'p-level' }, t('patrol.problem.level', { level: t(`problem.level.${p.level}`) })) : null,
              el('span', { class: 'p-problem-text' }, p.description),
              el('span', { class: 'p-problem-where' }, `#${p.id} · ${where}`),
              el('span', { class: `p-problem-deadline${p.overdue ? ' overdue' : ''}` }, [
                t('patrol.problem.deadlineAt', { at: p.deadline_local ?? '' }),
                p.overdue ? ` · ${t('patrol.problem.overdue')}` : '',
              ]),
            ]),
            steps.length
              ? el(
                  'div',
                  { class: 'p-problem-actions' },
                  steps.map((action) => {
                    const b = el('button', { type: 'button', class: `p-btn p-step${action === steps[0] ? ' primary' : ''}`, 'data-action': action }, t(`patrol.problem.action.${action}`));
                    b.addEventListener('click', () => step(p, action, b));
                    return b;
                  }),
                )
              : null,
            error ? el('p', { class: 'p-error p-problem-error', role: 'alert' }, error) : null,
          ]);
        })
      : [el('li', { class: 'p-empty' }, t('patrol.problems.none'))]),
  );
}

async function step(p, action, button) {
  for (const b of button.parentElement.querySelectorAll('button')) b.disabled = true;
  button.textContent = t('patrol.saving');
  work.problemErrors.delete(p.id);
  try {
    await ctx.request('POST', `api/problems/${p.id}/steps`, { action, by: userName(), state: p.state, level: p.level });
    notice(t('patrol.problem.stepped', { id: p.id, action: t(`patrol.problem.action.${action}`) }));
  } catch (e) {
    const reason = e instanceof ctx.HttpError && e.status === 409
      ? t('patrol.problem.conflict', { message: e.message })
      : e instanceof ctx.HttpError && e.status === 422
        ? t('patrol.problem.refused', { message: e.message })
        : ctx.describe(e);
    work.problemErrors.set(p.id, reason);
  }
  await loadProblems().catch((e) => notice(ctx.describe(e)));
  // refused, and no longer on the list (closed or moved elsewhere meanwhile): say it anyway
  const reason = work.problemErrors.get(p.id);
  if (reason && !document.querySelector(`#problems li[data-id="${p.id}"]`)) notice(reason);
}
