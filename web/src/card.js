// The card beside the map: what a leader needs to know about one compound (/api/compounds/{code})
// or one street segment (/api/streets/{id}: its street chiefs by level and partner departments).

import { api } from './api.js';
import { t, num, lang } from './i18n.js';
import { el } from './util.js';
import { currentUser, userIs } from './auth.js';

export class Card {
  /** @param {HTMLElement} root @param {{ onClose: () => void }} options */
  constructor(root, { onClose, onTierChange }) {
    this.root = root;
    this.onClose = onClose;
    this.onTierChange = onTierChange ?? (() => {});
    this.history = null;
    this.code = null;
    this.feature = null;
    this.state = 'closed';
    this.onKey = (e) => {
      if (e.key === 'Escape') this.close();
    };
    document.addEventListener('keydown', this.onKey);
  }

  async open(code, hint = {}) {
    this.history = null;
    const loaded = this.load('compound', code, hint, () => api.compound(code));
    api
      .history(code)
      .then((h) => {
        if (this.code !== code) return;
        this.history = h.history ?? [];
        if (this.state === 'open') this.render();
      })
      .catch(() => {});
    return loaded;
  }

  /** Changes the compound's tier (a reason and a name are required) and reloads the card. */
  async changeTier(tier, reason) {
    const code = this.code;
    const res = await fetch(`api/compounds/${encodeURIComponent(code)}/tier`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tier, reason }),
    });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.error ?? `${res.status}`);
    this.onTierChange(code, tier);
    await this.open(code, { ...this.hint, tier });
  }

  /** A street segment's card, by street id. */
  async openStreet(id, hint = {}) {
    return this.load('street', id, hint, () => api.street(id));
  }

  async load(kind, code, hint, fetch) {
    this.kind = kind;
    this.code = code;
    this.feature = null;
    this.hint = hint;
    this.state = 'loading';
    this.render();
    try {
      const feature = await fetch();
      if (this.code !== code) return;
      this.feature = feature;
      this.state = 'open';
    } catch {
      if (this.code !== code) return;
      this.state = 'error';
    }
    this.render();
  }

  close() {
    if (this.state === 'closed') return;
    this.code = null;
    this.feature = null;
    this.state = 'closed';
    this.render();
    this.onClose();
  }

  render() {
    const root = this.root;
    root.replaceChildren();
    root.hidden = this.state === 'closed';
    if (this.state === 'closed') return;
    const p = this.feature?.properties ?? {};
    root.dataset.kind = this.kind ?? 'compound';
    if (this.kind === 'street') return this.renderStreet(p);
    const name = p.name ?? this.hint.name ?? this.code;
    const tier = p.tier ?? this.hint.tier;
    root.dataset.tier = tier ?? '';
    root.append(
      el('div', { class: 'card-head' }, [
        el('h3', { class: 'card-name', id: 'card-name' }, name),
        el('button', { class: 'card-close', type: 'button', title: t('card.close'), 'aria-label': t('card.close'), onclick: () => this.close() }, '×'),
      ]),
    );
    if (tier) {
      root.append(el('div', { class: `tier-badge tier-${tier}` }, [el('span', { class: 'dot' }), t(`tier.${tier}`)]));
    }
    if (this.state === 'loading') {
      root.append(el('p', { class: 'card-note' }, t('card.loading')));
      return;
    }
    if (this.state === 'error') {
      root.append(el('p', { class: 'card-note error' }, t('card.error')));
      return;
    }
    const rows = [
      ['card.kind', p.kind ? t(`kind.${p.kind}`) : p.kind_name],
      ['card.management', p.management ? t(`management.${p.management}`) : p.management_name],
      ['card.households', p.households != null ? t('unit.households', { n: num(p.households) }) : null],
      ['card.population', p.population != null ? t('unit.people', { n: num(p.population) }) : null],
      ['card.buildings', p.buildings != null ? t('unit.buildings', { n: num(p.buildings) }) : null],
      ['card.stars', p.stars ? stars(p.stars) : null],
      ['card.chief', chief(p.chief)],
      ['card.lastInspection', inspection(p.last_inspection)],
      ['card.code', p.code],
    ];
    root.append(facts(rows));
    root.append(this.tierSection(tier));
    const photo = p.last_inspection?.photo_url;
    if (photo) {
      // The server's URL is rooted at /api; relative, like every other request of the page.
      const href = photo.replace(/^\//, '');
      root.append(
        el('a', { class: 'card-photo', id: 'card-photo', href, target: '_blank', rel: 'noopener', title: t('card.inspectionPhoto') }, [
          el('img', { src: href, alt: t('card.inspectionPhoto'), loading: 'lazy' }),
        ]),
      );
    }
    if (p.code) {
      // The gate's notice board, ready to print (A4) or to save as a picture.
      const q = lang() === 'zh' ? '' : '?lang=en';
      root.append(
        el('p', { class: 'card-links' }, [
          el('a', { href: `boards/${encodeURIComponent(p.code)}.html${q}`, target: '_blank', rel: 'noopener', id: 'card-board' }, t('card.board')),
          ' · ',
          el('a', { href: `boards/${encodeURIComponent(p.code)}.png${q}`, download: `${p.code}.png` }, t('card.boardPng')),
        ]),
      );
    }
  }

  /** The tier history, newest first, and the form that changes the tier with a reason. */
  tierSection(tier) {
    // stays open across re-renders (a change re-renders the card) once the reader opened it
    const box = el('details', { class: 'card-tiers', id: 'card-tiers', open: this.tiersOpen === true });
    box.addEventListener('toggle', () => {
      this.tiersOpen = box.open;
    });
    const history = this.history ?? [];
    box.append(el('summary', {}, t('card.tierHistory', { n: history.length })));
    const list = el('ol', { class: 'card-history', id: 'card-history' });
    for (const h of [...history].reverse()) {
      list.append(
        el('li', {}, [
          el('span', { class: 'card-sub' }, date(h.at)),
          ' ',
          t(`tier.${h.from}.short`),
          ' → ',
          el('strong', {}, t(`tier.${h.to}.short`)),
          ` · ${h.reason} · ${h.by}`,
        ]),
      );
    }
    if (!history.length) list.append(el('li', { class: 'card-sub' }, t('card.noTierChanges')));
    box.append(list);
    // Tiers are changed by planners and administrators, as themselves; others read the history.
    if (!userIs('admin', 'planner')) return box;
    const select = el(
      'select',
      { id: 'tier-to', 'aria-label': t('card.tier') },
      ['green', 'yellow', 'red'].filter((k) => k !== tier).map((k) => el('option', { value: k }, t(`tier.${k}`))),
    );
    const reason = el('input', { id: 'tier-reason', placeholder: t('card.tierReason'), 'aria-label': t('card.tierReason') });
    const user = currentUser();
    const by = el('span', { id: 'tier-by', class: 'card-sub' }, user.display_name || user.username);
    const message = el('p', { class: 'card-note', id: 'tier-message', role: 'status' });
    const form = el(
      'form',
      {
        class: 'tier-form',
        onsubmit: async (e) => {
          e.preventDefault();
          if (!reason.value.trim()) {
            message.textContent = t('card.tierNeeds');
            return;
          }
          try {
            await this.changeTier(select.value, reason.value.trim());
          } catch (err) {
            message.textContent = err.message;
          }
        },
      },
      [select, reason, by, el('button', { type: 'submit', id: 'tier-submit' }, t('card.tierChange')), message],
    );
    box.append(form);
    return box;
  }

  renderStreet(p) {
    const root = this.root;
    root.dataset.tier = '';
    root.append(
      el('div', { class: 'card-head' }, [
        el('h3', { class: 'card-name', id: 'card-name' }, p.name ?? this.hint.name ?? t('card.street')),
        el('button', { class: 'card-close', type: 'button', title: t('card.close'), 'aria-label': t('card.close'), onclick: () => this.close() }, '×'),
      ]),
    );
    if (this.state === 'loading') {
      root.append(el('p', { class: 'card-note' }, t('card.loading')));
      return;
    }
    if (this.state === 'error') {
      root.append(el('p', { class: 'card-note error' }, t('card.streetError')));
      return;
    }
    const chiefs = (p.chief_levels ?? []).map((c) =>
      el('li', { 'data-level': c.level }, [el('span', { class: 'card-sub' }, t(`chiefLevel.${c.level}`)), ' ', chief(c)]),
    );
    const partners = (p.partners ?? []).map((x) =>
      el('li', { 'data-department': x.department }, [
        el('span', { class: 'card-sub' }, x.name || (lang() === 'zh' ? x.department_name_zh : x.department)),
        ' ',
        chief({ name: x.contact, phone: x.phone }),
      ]),
    );
    root.append(
      facts([
        ['card.class', p.class ? t(`streetClass.${p.class}`) : null],
        ['card.length', p.length_m != null ? t('unit.metres', { n: num(Math.round(p.length_m)) }) : null],
        ['card.streetChiefs', chiefs.length ? el('ul', { class: 'card-list' }, chiefs) : null],
        ['card.partners', partners.length ? el('ul', { class: 'card-list' }, partners) : null],
      ]),
    );
  }
}

function facts(rows) {
  const dl = el('dl', { class: 'card-facts' });
  for (const [key, value] of rows) {
    dl.append(el('dt', {}, t(key)), el('dd', { 'data-field': key.slice(5) }, value ?? t('card.none')));
  }
  return dl;
}

function stars(n) {
  const k = Math.max(0, Math.min(5, Math.round(n)));
  return el('span', { class: 'stars', title: `${k}/5` }, '★'.repeat(k) + '☆'.repeat(5 - k));
}

function chief(c) {
  if (!c) return null;
  if (typeof c === 'string') return c;
  const parts = [c.name];
  if (c.phone) parts.push(' ', el('a', { href: `tel:${String(c.phone).replace(/\s+/g, '')}` }, c.phone));
  return el('span', {}, parts.filter(Boolean));
}

function inspection(i) {
  if (!i) return null;
  if (typeof i === 'string') return date(i);
  const when = i.date ?? i.at ?? i.inspected_at ?? i.time ?? null;
  const parts = [when ? date(when) : null, i.result_name ?? i.result ?? null, i.inspector ?? i.by ?? null].filter(Boolean);
  return parts.length ? parts.join(' · ') : null;
}

function date(s) {
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return String(s);
  return d.toLocaleDateString(lang() === 'zh' ? 'zh-CN' : 'en-GB', { year: 'numeric', month: 'short', day: 'numeric' });
}
