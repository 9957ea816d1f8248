// Every string the leader view shows, in one place: zh-CN first, English second.
// Keys are used with t('key', {param}); `{param}` in a string is replaced.

export const STRINGS = {
  zh: {
    'app.title': '网格化管理 · 领导视图',
    'app.loading': '正在加载地图…',
    'app.error': '地图加载失败：{message}',
    'map.label': '分色管理地图',
    'map.zoomIn': '放大',
    'map.zoomOut': '缩小',
    'lang.switch': 'English',
    'lang.switch.title': 'Switch to English',
    'panel.title': '分色管理统计',
    'panel.all': '全部辖区',
    'panel.collapse': '收起',
    'panel.expand': '展开',
    'panel.households': '{n} 户',
    'panel.population': '{n} 人',
    'panel.compounds': '小区 {n} 个',
    'panel.children': '下级区域（{level}）',
    'panel.children.plain': '下级区域',
    'panel.noChildren': '没有下级区域',
    'panel.up': '返回上级',
    'panel.sort': '按红色、黄色小区数排序',
    'panel.loadError': '统计数据加载失败',
    'breadcrumb.label': '当前位置',
    'focus.title': '重点小区（红色、黄色 {n} 个）',
    'focus.none': '没有红色或黄色小区',
    'focus.all': '显示全部 {n} 个',
    'focus.fewer': '收起',
    'tier.green': '绿色·宽管级',
    'tier.yellow': '黄色·关注级',
    'tier.red': '红色·禁止级',
    'tier.green.short': '绿',
    'tier.yellow.short': '黄',
    'tier.red.short': '红',
    'legend.title': '分色管理',
    'legend.total': '全辖区',
    'legend.heat': '红黄小区热力图',
    'legend.boundaries': '网格边界',
    'card.close': '关闭',
    'card.tier': '等级',
    'card.kind': '类型',
    'card.management': '物业',
    'card.households': '户数',
    'card.population': '人口',
    'card.buildings': '楼栋',
    'card.stars': '党支部星级',
    'card.chief': '小巷管家',
    'card.lastInspection': '最近巡查',
    'card.none': '暂无',
    'card.code': '编码',
    'card.loading': '正在加载…',
    'card.error': '小区信息加载失败',
    'unit.households': '{n} 户',
    'unit.people': '{n} 人',
    'unit.buildings': '{n} 栋',
    'kind.commercial': '商开',
    'kind.resettlement': '还建',
    'kind.work_unit': '家属院',
    'kind.mixed': '混合',
    'management.full': '有物业',
    'management.partial': '半物业',
    'management.none': '无人管理',
    'attribution.osm': '© OpenStreetMap 贡献者',
  },
  en: {
    'app.title': 'Grid governance · Leader view',
    'app.loading': 'Loading the map…',
    'app.error': 'The map failed to load: {message}',
    'map.label': 'Map of compounds by colour tier',
    'map.zoomIn': 'Zoom in',
    'map.zoomOut': 'Zoom out',
    'lang.switch': '中文',
    'lang.switch.title': '切换到中文',
    'panel.title': 'Colour tiers',
    'panel.all': 'All areas',
    'panel.collapse': 'Collapse',
    'panel.expand': 'Expand',
    'panel.households': '{n} households',
    'panel.population': '{n} residents',
    'panel.compounds': '{n} compounds',
    'panel.children': 'Areas below ({level})',
    'panel.children.plain': 'Areas below',
    'panel.noChildren': 'No areas below this one',
    'panel.up': 'Up one level',
    'panel.sort': 'Sorted by red, then yellow compounds',
    'panel.loadError': 'Could not load the counts',
    'breadcrumb.label': 'You are here',
    'focus.title': 'Compounds to watch (red and yellow: {n})',
    'focus.none': 'No red or yellow compounds',
    'focus.all': 'Show all {n}',
    'focus.fewer': 'Show fewer',
    'tier.green': 'Green · light control',
    'tier.yellow': 'Yellow · watch',
    'tier.red': 'Red · prohibited',
    'tier.green.short': 'G',
    'tier.yellow.short': 'Y',
    'tier.red.short': 'R',
    'legend.title': 'Colour tiers',
    'legend.total': 'whole jurisdiction',
    'legend.heat': 'Heat of red and yellow',
    'legend.boundaries': 'Grid boundaries',
    'card.close': 'Close',
    'card.tier': 'Tier',
    'card.kind': 'Type',
    'card.management': 'Management',
    'card.households': 'Households',
    'card.population': 'Residents',
    'card.buildings': 'Buildings',
    'card.stars': 'Party branch rating',
    'card.chief': 'Street chief',
    'card.lastInspection': 'Last inspection',
    'card.none': 'None yet',
    'card.code': 'Code',
    'card.loading': 'Loading…',
    'card.error': 'Could not load the compound',
    'unit.households': '{n}',
    'unit.people': '{n}',
    'unit.buildings': '{n}',
    'kind.commercial': 'Commercial',
    'kind.resettlement': 'Resettlement',
    'kind.work_unit': 'Work-unit housing',
    'kind.mixed': 'Mixed',
    'management.full': 'Full property management',
    'management.partial': 'Partial management',
    'management.none': 'Unmanaged',
    'attribution.osm': '© OpenStreetMap contributors',
  },
};

export const LANGS = ['zh', 'en'];

let current = initialLang();
const listeners = new Set();

function initialLang() {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl && LANGS.includes(fromUrl)) return fromUrl;
  try {
    const saved = localStorage.getItem('wangge.lang');
    if (saved && LANGS.includes(saved)) return saved;
  } catch {
    // storage may be unavailable (private mode); fall back to Chinese
  }
  return 'zh';
}

export function lang() {
  return current;
}

export function setLang(next) {
  if (!LANGS.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem('wangge.lang', next);
  } catch {
    // not persisted; the switch still applies to this page
  }
  for (const fn of listeners) fn(next);
}

export function onLangChange(fn) {
  listeners.add(fn);
}

export function t(key, params = {}) {
  const s = STRINGS[current][key] ?? STRINGS.zh[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (params[k] ?? `{${k}}`).toString());
}

/** A number in the current language's grouping (26,373). */
export function num(n) {
  return n == null ? '—' : Number(n).toLocaleString(current === 'zh' ? 'zh-CN' : 'en-US');
}

/** `html[lang]` value for the current language. */
export function htmlLang() {
  return current === 'zh' ? 'zh-CN' : 'en';
}
