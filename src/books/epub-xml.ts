// Small DOM helpers for the EPUB's own XML (container.xml, OPF, NCX, nav), which is small enough
// to hold as a tree. Names match by local name, whatever prefix a tool chose ("dc:title", "title").

import { DomUtils, parseDocument } from 'htmlparser2';
import { collapseWhitespace } from './document-text.ts';

export type XmlNode = ReturnType<typeof parseDocument>;
export type XmlElement = ReturnType<typeof DomUtils.findAll>[number];

/** XML mode for package files; HTML mode for XHTML (named entities like &nbsp; decode). */
export function parseXml(bytes: Uint8Array, { html = false } = {}): XmlNode {
  const text = xmlBytesToText(bytes);
  return html
    ? parseDocument(text, { lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true })
    : parseDocument(text, { xmlMode: true });
}

/** XML is UTF-8 or UTF-16 unless its declaration says otherwise; a bad byte becomes U+FFFD, not an error. */
export function xmlBytesToText(bytes: Uint8Array): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder('utf-16le').decode(bytes);
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder('utf-16be').decode(bytes);
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([\w.:-]+)["']/u.exec(new TextDecoder('latin1').decode(bytes.subarray(0, 200)));
  try {
    return new TextDecoder(declared?.[1] ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

export function localName(name: string): string {
  return name.slice(name.lastIndexOf(':') + 1).toLowerCase();
}

/** Every element under `root` with this local name, in document order. */
export function elements(root: XmlNode | XmlElement, name: string): XmlElement[] {
  return DomUtils.findAll((element) => localName(element.name) === name, [root]);
}

/** The value of the attribute with this local name ("role" finds "opf:role" too). */
export function attribute(element: XmlElement, name: string): string | undefined {
  for (const [key, value] of Object.entries(element.attribs)) if (localName(key) === name) return value;
  return undefined;
}

export function textOf(node: XmlElement): string {
  return collapseWhitespace(DomUtils.textContent(node));
}
