/** A tiny element builder: text always goes in as text (never parsed as HTML). */
type Child = Node | string | number | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'number' ? String(c) : c);
  }
  return el;
}

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`no #${id}`);
  return el as T;
}

/** Replaces a select's options, keeping `value` selected (added when missing). */
export function setOptions(select: HTMLSelectElement, options: Array<[string, string]>, value: string): void {
  const list = options.some(([v]) => v === value)
    ? options
    : [...options, [value, value] as [string, string]];
  select.replaceChildren(
    ...list.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
  select.value = value;
}
