// A small strict XML reader, enough for TwiML: elements, attributes, text and the
// five entities plus character references. Anything malformed is an error, as it
// is for Twilio (error 12100, document parse failure).

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** Text directly inside this element (trimmed of surrounding whitespace). */
  text: string;
}

export class XmlError extends Error {
  constructor(message: string, readonly position: number) {
    super(`${message} at ${position}`);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_][A-Za-z0-9_.:-]*/y;
const ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;

export function parseXml(source: string): XmlElement {
  let i = 0;
  const fail = (message: string): never => {
    throw new XmlError(message, i);
  };

  const skipSpace = (): void => {
    while (i < source.length && /\s/.test(source[i] ?? '')) i += 1;
  };

  const readName = (): string => {
    NAME.lastIndex = i;
    const m = NAME.exec(source);
    if (!m) fail('expected a name');
    i += (m as RegExpExecArray)[0].length;
    return (m as RegExpExecArray)[0];
  };

  const decode = (raw: string): string => {
    if (/&(?!(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)/.test(raw)) fail('bare & in text');
    if (raw.includes('<')) fail('bare < in text');
    return raw.replace(ENTITY, (_m, e: string) => {
      switch (e) {
        case 'amp':
          return '&';
        case 'lt':
          return '<';
        case 'gt':
          return '>';
        case 'quot':
          return '"';
        case 'apos':
          return "'";
        default:
          return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
      }
    });
  };

  const skipComments = (): void => {
    for (;;) {
      skipSpace();
      if (!source.startsWith('<!--', i)) return;
      const end = source.indexOf('-->', i);
      if (end < 0) fail('unterminated comment');
      i = end + 3;
    }
  };

  const readElement = (): XmlElement => {
    if (source[i] !== '<') fail('expected <');
    i += 1;
    const name = readName();
    const attrs: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (source.startsWith('/>', i)) {
        i += 2;
        return { name, attrs, children: [], text: '' };
      }
      if (source[i] === '>') {
        i += 1;
        break;
      }
      if (i === before) fail('expected whitespace before an attribute');
      const attr = readName();
      if (attr in attrs) fail(`duplicate attribute ${attr}`);
      skipSpace();
      if (source[i] !== '=') fail('expected =');
      i += 1;
      skipSpace();
      const quote = source[i];
      if (quote !== '"' && quote !== "'") fail('expected a quoted value');
      const end = source.indexOf(quote as string, i + 1);
      if (end < 0) fail('unterminated attribute value');
      attrs[attr] = decode(source.slice(i + 1, end));
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= source.length) fail(`unclosed <${name}>`);
      if (source.startsWith('<!--', i)) {
        skipComments();
        continue;
      }
      if (source.startsWith('<![CDATA[', i)) fail('CDATA is not used in TwiML');
      if (source.startsWith('</', i)) {
        i += 2;
        const closing = readName();
        if (closing !== name) fail(`</${closing}> closes <${name}>`);
        skipSpace();
        if (source[i] !== '>') fail('expected >');
        i += 1;
        return { name, attrs, children, text: text.trim() };
      }
      if (source[i] === '<') {
        children.push(readElement());
        continue;
      }
      const next = source.indexOf('<', i);
      const end = next < 0 ? source.length : next;
      text += decode(source.slice(i, end));
      i = end;
    }
  };

  if (source.startsWith('<?xml')) {
    const end = source.indexOf('?>');
    if (end < 0) fail('unterminated XML declaration');
    i = end + 2;
  } else if (source.startsWith('<?')) {
    fail('bad XML declaration');
  }
  skipComments();
  const root = readElement();
  skipComments();
  skipSpace();
  if (i !== source.length) fail('content after the root element');
  return root;
}
