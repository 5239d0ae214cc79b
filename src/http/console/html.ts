// A tiny tagged-template escaper for the console's pages: every interpolated value
// is escaped unless it is already Html (built by this same tag). There is no way
// to splice a plain string in raw, so a value from the database can never become markup.

const brand = Symbol('html');

export interface Html {
  readonly [brand]: true;
  readonly text: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => ESCAPES[c] ?? c);
}

export function isHtml(value: unknown): value is Html {
  return typeof value === 'object' && value !== null && (value as Partial<Html>)[brand] === true;
}

function make(text: string): Html {
  return { [brand]: true, text };
}

/** One value as markup: Html as is, arrays item by item, nothing for null/undefined/false, else escaped text. */
function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (isHtml(value)) return value.text;
  if (Array.isArray(value)) return value.map(render).join('');
  if (value instanceof Date) return escapeHtml(value.toISOString());
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return make(out);
}

/** Joins fragments with a separator (itself escaped unless Html). */
export function join(items: readonly unknown[], separator: unknown = ''): Html {
  return make(items.map(render).join(render(separator)));
}

export const empty: Html = make('');

/** The document as a string, for res.send. */
export function toDocument(page: Html): string {
  return page.text;
}
