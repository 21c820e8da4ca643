// The few things every XML file of the book needs: escaped text, and SMIL clock values.

import { encodeXML } from 'entities';

/** Text and attribute values: &, <, >, " and ' escaped. */
export const xml = (text: string): string => encodeXML(text);

/** The opening of an XHTML document of the book: the XML declaration, the doctype, <html> in `language`. */
export function xhtmlStart(language: string): string {
  const lang = xml(language);
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="${lang}" lang="${lang}">`;
}

/**
 * A SMIL clock value from whole milliseconds: "h:mm:ss.mmm". Made from integers, never from rounded
 * seconds, so the seconds never read 60 (epubcheck refuses 0:00:60.000).
 */
export function smilClock(ms: number): string {
  const whole = Math.max(0, Math.round(ms));
  const hours = Math.floor(whole / 3_600_000);
  const minutes = Math.floor(whole / 60_000) % 60;
  const seconds = Math.floor(whole / 1000) % 60;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${hours}:${pad(minutes)}:${pad(seconds)}.${pad(whole % 1000, 3)}`;
}
