// What an EPUB's package says of the book beyond its title and authors: its cover image, blurb,
// language and series, for the audio's tags and an audiobook library. All optional: a book that
// says none of it is read the same.

import { decodeHTML } from 'entities';
import { LANGUAGE_TAG, MAX_DESCRIPTION_CHARS } from '../contract/input-schema.ts';
import { attribute, elements, textOf, type XmlElement } from './epub-xml.ts';

export interface BookDetails {
  /** The cover image's path in the zip and its type. */
  cover?: { path: string; mediaType: string };
  description?: string;
  /** dc:language, BCP 47. */
  language?: string;
  series?: string;
  /** Its place in the series: "1", "2.5". */
  seriesPart?: string;
}

const LANGUAGE = new RegExp(LANGUAGE_TAG, 'u');

/** `pathOf` resolves a manifest href to its path in the zip (undefined for one out of the book). */
export function bookDetails(
  metadata: XmlElement,
  manifest: XmlElement | undefined,
  pathOf: (href: string) => string | undefined,
): BookDetails {
  const details: BookDetails = {};
  const cover = manifest && coverItem(metadata, manifest);
  const href = cover && attribute(cover, 'href');
  const path = href === undefined ? undefined : pathOf(href);
  const mediaType = cover && attribute(cover, 'media-type')?.toLowerCase();
  if (path && mediaType?.startsWith('image/')) details.cover = { path, mediaType };
  const description = elements(metadata, 'description').map(textOf).find(Boolean);
  if (description) details.description = plainText(description).slice(0, MAX_DESCRIPTION_CHARS);
  const language = elements(metadata, 'language')
    .map(textOf)
    .find((code) => LANGUAGE.test(code));
  if (language) details.language = language;
  Object.assign(details, seriesOf(metadata));
  return details;
}

/** EPUB 3: the item with properties="cover-image"; EPUB 2: <meta name="cover" content="item id">. */
function coverItem(metadata: XmlElement, manifest: XmlElement): XmlElement | undefined {
  const items = elements(manifest, 'item');
  const byProperty = items.find((item) => (attribute(item, 'properties') ?? '').split(/\s+/u).includes('cover-image'));
  if (byProperty) return byProperty;
  const named = elements(metadata, 'meta').find((meta) => attribute(meta, 'name') === 'cover');
  const id = named && attribute(named, 'content');
  return id === undefined ? undefined : items.find((item) => attribute(item, 'id') === id);
}

/**
 * calibre's <meta name="calibre:series"> and calibre:series_index (what Audiobookshelf reads from
 * an OPF), else EPUB 3's belongs-to-collection with its group-position.
 */
function seriesOf(metadata: XmlElement): Pick<BookDetails, 'series' | 'seriesPart'> {
  const metas = elements(metadata, 'meta');
  const named = (name: string) => metas.find((meta) => attribute(meta, 'name') === name);
  const calibre = named('calibre:series');
  const calibreName = calibre && attribute(calibre, 'content')?.trim();
  if (calibreName) return { series: calibreName, ...seriesPart(attribute(named('calibre:series_index') ?? calibre, 'content')) };
  const collection = metas.find((meta) => attribute(meta, 'property') === 'belongs-to-collection');
  const name = collection && textOf(collection);
  if (!name) return {};
  const id = attribute(collection, 'id');
  const refining = (property: string) =>
    metas.find((meta) => attribute(meta, 'refines') === `#${id}` && attribute(meta, 'property') === property);
  const type = id === undefined ? undefined : refining('collection-type');
  if (type && textOf(type) !== 'series') return {};
  const position = id === undefined ? undefined : refining('group-position');
  return { series: name, ...seriesPart(position && textOf(position)) };
}

/** "2.0" → "2"; a place that is not a number is left out. */
function seriesPart(value: string | undefined): Pick<BookDetails, 'seriesPart'> {
  const number = Number(value);
  if (!value?.trim() || !Number.isFinite(number) || number < 0) return {};
  return { seriesPart: String(number) };
}

/** Some books keep HTML in dc:description (escaped, so it reads as text here): its words only. */
function plainText(text: string): string {
  return decodeHTML(text.replace(/<[^>]*>/gu, ' '))
    .replace(/\s+/gu, ' ')
    .trim();
}
