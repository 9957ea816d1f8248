import { lang } from './i18n.js';

/** The tiers in the order the legend and panel list them. */
export const TIERS = ['green', 'yellow', 'red'];

/**
 * Creates an element. `attrs` values that are functions become listeners (onclick → click);
 * `children` may be a string, a node, or an array of them (null skipped).
 */
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v == null || v === false) continue;
    if (typeof v === 'function' && k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of [].concat(children)) {
    if (c == null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** The configured name of a level in the current language (levels are data, from /api/levels). */
export function levelName(levels, key, fallback) {
  const level = levels.get(key);
  if (!level) return fallback ?? key;
  return lang() === 'zh' ? level.name_zh : level.name_en;
}
