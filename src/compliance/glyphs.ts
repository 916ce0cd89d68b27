// The outlines of the visible label's characters (glyphs.json, made by scripts/gen-label-glyphs.mjs
// from Noto Sans SC Bold, SIL OFL 1.1: see glyphs-OFL.txt). No system font is ever needed.
import { createRequire } from 'node:module';

export interface GlyphSet {
  font: string;
  unitsPerEm: number;
  ascender: number;
  descender: number;
  glyphs: Record<string, { advance: number; d: string }>;
}

export const glyphSet = createRequire(import.meta.url)('./glyphs.json') as GlyphSet;

/** Characters the shipped outlines cannot draw (empty when the text is drawable). */
export function missingGlyphs(text: string): string[] {
  return [...new Set([...text].filter((c) => !glyphSet.glyphs[c]))];
}
