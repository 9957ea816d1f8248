// The counts panel: tier counts for the zone in view, its child zones, a breadcrumb back up.

import { api } from './api.js';
import { t, num, lang } from './i18n.js';
import { TIERS, el, levelName } from './util.js';

export class Panel {
  /**
   * @param {HTMLElement} root the panel element
   * @param {{ levels: Map<string, object>, onZone: (zone: object, how: string) => void }} options
   */
  constructor(root, { levels, onZone, onCompound }) {
    this.root = root;
    this.levels = levels;
    this.onZone = onZone;
    this.onCompound = onCompound;
    this.focus = new Map(); // zone code → red and yellow compounds in it, worst first
    this.showAllFocus = false;
    this.trail = []; // summaries from the top down to the current zone
    this.base = 0; // index in the trail of the zone the view starts at
    this.loading = null;
    this.error = null;
    this.collapsed = false;
  }

  get current() {
    return this.trail[this.trail.length - 1] ?? null;
  }

  /** Loads the whole jurisdiction; descends while a level has one child holding everything. */
  async start() {
    let summary = await api.summary();
    this.trail = [summary];
    while (summary.children.length === 1 && summary.children[0].code && sameTiers(summary.children[0].tiers, summary.tiers)) {
      summary = await api.summary(summary.children[0].code);
      this.trail.push(summary);
    }
    this.base = this.trail.length - 1;
    this.render();
    return summary;
  }

  /** Drills down into a child of the current zone. */
  async open(code, how = 'list') {
    const at = this.trail.findIndex((s) => s.zone.code === code);
    if (at >= 0) return this.back(at);
    const token = Symbol(code);
    this.loading = token;
    this.render();
    try {
      const summary = await api.summary(code);
      if (this.loading !== token) return null;
      this.loading = null;
      this.error = null;
      this.trail.push(summary);
      this.showAllFocus = false;
      this.render();
      this.root.scrollTop = 0;
      this.onZone(summary.zone, how);
      return summary;
    } catch (e) {
      if (this.loading === token) this.loading = null;
      this.error = e;
      this.render();
      throw e;
    }
  }

  /** Goes back up to the breadcrumb entry at `index`. */
  back(index) {
    if (index < 0 || index >= this.trail.length - 1) return this.current;
    this.trail = this.trail.slice(0, index + 1);
    this.showAllFocus = false;
    this.loading = null;
    this.error = null;
    this.render();
    this.root.scrollTop = 0;
    this.onZone(this.current.zone, 'up');
    return this.current;
  }

  childCodes() {
    return new Set((this.current?.children ?? []).map((c) => c.code));
  }

  toggle(force) {
    this.collapsed = force ?? !this.collapsed;
    this.root.classList.toggle('collapsed', this.collapsed);
    this.render();
  }

  render() {
    const s = this.current;
    const root = this.root;
    root.replaceChildren();
    root.classList.toggle('busy', !!this.loading);

    const head = el('div', { class: 'panel-head' }, [
      el('h2', { id: 'panel-title', class: 'panel-title' }, t('panel.title')),
      el(
        'button',
        {
          class: 'panel-toggle',
          type: 'button',
          'aria-expanded': String(!this.collapsed),
          title: t(this.collapsed ? 'panel.expand' : 'panel.collapse'),
          onclick: () => this.toggle(),
        },
        this.collapsed ? '▴' : '▾',
      ),
    ]);
    root.append(head);
    if (!s) {
      root.append(el('p', { class: 'panel-note' }, this.error ? t('panel.loadError') : t('app.loading')));
      return;
    }

    // breadcrumb
    const crumbs = el('nav', { class: 'breadcrumb', 'aria-label': t('breadcrumb.label') });
    this.trail.forEach((summary, i) => {
      if (i > 0) crumbs.append(el('span', { class: 'sep', 'aria-hidden': 'true' }, '›'));
      const last = i === this.trail.length - 1;
      crumbs.append(
        last
          ? el('span', { class: 'crumb current', 'aria-current': 'page', 'data-code': summary.zone.code ?? '' }, zoneName(summary.zone))
          : el(
              'button',
              { class: 'crumb', type: 'button', 'data-code': summary.zone.code ?? '', onclick: () => this.back(i) },
              zoneName(summary.zone),
            ),
      );
    });
    root.append(crumbs);

    // the zone in view
    const z = s.zone;
    const total = TIERS.reduce((n, tier) => n + (s.tiers[tier] ?? 0), 0);
    root.append(
      el('div', { class: 'zone-head' }, [
        el('div', { class: 'zone-name' }, [
          el('span', { class: 'zone-title', id: 'zone-title' }, zoneName(z)),
          z.level ? el('span', { class: 'level-chip' }, levelName(this.levels, z.level, z.level_name)) : null,
        ]),
        el('div', { class: 'zone-facts' }, [
          el('span', {}, t('panel.compounds', { n: num(total) })),
          el('span', {}, t('panel.households', { n: num(z.households) })),
          z.population != null ? el('span', {}, t('panel.population', { n: num(z.population) })) : null,
        ]),
      ]),
    );

    // tier counts
    root.append(
      el(
        'div',
        { class: 'tier-cards', id: 'tier-counts' },
        TIERS.map((tier) =>
          el('div', { class: `tier-card tier-${tier}`, 'data-tier': tier }, [
            el('span', { class: 'tier-count', 'data-count': String(s.tiers[tier] ?? 0) }, num(s.tiers[tier] ?? 0)),
            el('span', { class: 'tier-name' }, t(`tier.${tier}`)),
            el('span', { class: 'tier-share' }, total ? `${Math.round(((s.tiers[tier] ?? 0) * 100) / total)}%` : '—'),
          ]),
        ),
      ),
    );
    root.append(tierBar(s.tiers, 'tier-bar big'));

    // child zones, worst first
    const children = [...s.children].sort(
      (a, b) =>
        (b.tiers.red ?? 0) - (a.tiers.red ?? 0) ||
        (b.tiers.yellow ?? 0) - (a.tiers.yellow ?? 0) ||
        a.code.localeCompare(b.code),
    );
    const childLevel = children[0] ? levelName(this.levels, children[0].level, children[0].level_name) : null;
    root.append(
      el('h3', { class: 'children-title', title: t('panel.sort') }, childLevel ? t('panel.children', { level: childLevel }) : t('panel.children.plain')),
    );
    if (!children.length) {
      root.append(el('p', { class: 'panel-note' }, t('panel.noChildren')));
    } else {
      const list = el('ul', { class: 'children', id: 'children' });
      for (const c of children) {
        const n = TIERS.reduce((k, tier) => k + (c.tiers[tier] ?? 0), 0);
        list.append(
          el('li', {}, [
            el(
              'button',
              {
                type: 'button',
                class: 'child',
                'data-code': c.code,
                onclick: () => this.open(c.code, 'list').catch(() => {}),
              },
              [
                el('span', { class: 'child-name' }, c.name),
                el('span', { class: 'child-counts' }, [
                  el('span', { class: 'n red', title: t('tier.red') }, num(c.tiers.red ?? 0)),
                  el('span', { class: 'n yellow', title: t('tier.yellow') }, num(c.tiers.yellow ?? 0)),
                  el('span', { class: 'n green', title: t('tier.green') }, num(c.tiers.green ?? 0)),
                ]),
                tierBar(c.tiers, 'tier-bar', n),
                el('span', { class: 'child-facts' }, t('panel.households', { n: num(c.households) })),
              ],
            ),
          ]),
        );
      }
      root.append(list);
    }
    root.append(this.renderFocus(s));
    if (this.error) root.append(el('p', { class: 'panel-note error' }, t('panel.loadError')));
    root.lang = lang() === 'zh' ? 'zh-CN' : 'en';
  }
}

Panel.prototype.renderFocus = function renderFocus(s) {
  const key = s.zone.code ?? '';
  const box = el('section', { class: 'focus', id: 'focus' });
  const n = (s.tiers.red ?? 0) + (s.tiers.yellow ?? 0);
  box.append(el('h3', { class: 'children-title' }, t('focus.title', { n: num(n) })));
  if (n === 0) {
    box.append(el('p', { class: 'panel-note' }, t('focus.none')));
    return box;
  }
  const entry = this.focus.get(key);
  if (!entry) {
    this.focus.set(key, { loading: true });
    loadFocus(s).then(
      (list) => {
        this.focus.set(key, { list });
        if ((this.current?.zone.code ?? '') === key) this.render();
      },
      () => {
        this.focus.set(key, { error: true });
        if ((this.current?.zone.code ?? '') === key) this.render();
      },
    );
  }
  if (!entry || entry.loading) {
    box.append(el('p', { class: 'panel-note' }, t('card.loading')));
    return box;
  }
  if (entry.error) {
    this.focus.delete(key);
    box.append(el('p', { class: 'panel-note error' }, t('panel.loadError')));
    return box;
  }
  const limit = 8;
  const shown = this.showAllFocus ? entry.list : entry.list.slice(0, limit);
  const list = el('ol', { class: 'focus-list' });
  for (const f of shown) {
    const p = f.properties;
    list.append(
      el('li', {}, [
        el('button', { type: 'button', class: `focus-item tier-${p.tier}`, 'data-code': p.code, onclick: () => this.onCompound(f) }, [
          el('span', { class: `dot ${p.tier}`, title: t(`tier.${p.tier}`) }),
          el('span', { class: 'focus-name' }, p.name),
          el('span', { class: 'focus-facts' }, t('panel.households', { n: num(p.households) })),
        ]),
      ]),
    );
  }
  box.append(list);
  if (entry.list.length > limit) {
    box.append(
      el(
        'button',
        {
          type: 'button',
          class: 'more',
          onclick: () => {
            this.showAllFocus = !this.showAllFocus;
            this.render();
          },
        },
        this.showAllFocus ? t('focus.fewer') : t('focus.all', { n: num(entry.list.length) }),
      ),
    );
  }
  return box;
};

/** The red and yellow compounds in a zone: red first, then the most households. */
async function loadFocus(s) {
  const bbox = s.zone.bbox ?? null;
  const [red, yellow] = await Promise.all(['red', 'yellow'].map((tier) => api.compounds({ tier, bbox })));
  let list = [...red.features, ...yellow.features];
  // compound codes start with their community's code: keep those of this zone where that tells
  const code = s.zone.code;
  if (code && list.some((f) => f.properties.code?.startsWith(code))) {
    list = list.filter((f) => f.properties.code?.startsWith(code));
  }
  const rank = { red: 0, yellow: 1 };
  return list.sort(
    (a, b) =>
      rank[a.properties.tier] - rank[b.properties.tier] ||
      (b.properties.households ?? 0) - (a.properties.households ?? 0) ||
      String(a.properties.code).localeCompare(String(b.properties.code)),
  );
}

function tierBar(tiers, cls, total) {
  const n = total ?? TIERS.reduce((k, tier) => k + (tiers[tier] ?? 0), 0);
  const bar = el('div', { class: cls, 'aria-hidden': 'true' });
  // red first: the eye goes to the trouble
  for (const tier of ['red', 'yellow', 'green']) {
    const v = tiers[tier] ?? 0;
    if (v > 0 && n > 0) bar.append(el('span', { class: `seg ${tier}`, style: `flex-grow:${v}` }));
  }
  return bar;
}

/** The name of a zone; the summary of several top zones has no code and is "all". */
function zoneName(zone) {
  return zone.code == null ? t('panel.all') : zone.name;
}

function sameTiers(a, b) {
  return TIERS.every((tier) => (a?.[tier] ?? 0) === (b?.[tier] ?? 0));
}
