// Generates src/compliance/glyphs.json: outlines (SVG path data) of the characters the visible AIGC
// label may use, from Noto Sans SC Bold (SIL Open Font License 1.1, © Google; via the npm package
// @fontsource/noto-sans-sc). The label is then drawn without any system font. Run once, by hand:
//   npm install --no-save --prefix /tmp/glyphs opentype.js@1 @fontsource/noto-sans-sc@5
//   node scripts/gen-label-glyphs.mjs /tmp/glyphs/node_modules
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const modules = process.argv[2] ?? 'node_modules';
const require = createRequire(path.resolve(modules, 'x.js'));
const opentype = require('opentype.js');
const pkg = path.join(modules, '@fontsource/noto-sans-sc');
const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version;

// ASCII, plus the characters of the usual Chinese labels.
let chars = '';
for (let c = 0x20; c < 0x7f; c++) chars += String.fromCharCode(c);
chars += '生成合内容人工智能由技术制作本图片为深度视频「」（）：，。·、';

// Each woff subset covers the unicode-range its @font-face rule names.
const css = fs.readFileSync(path.join(pkg, '700.css'), 'utf8');
const faces = [...css.matchAll(/url\(\.\/files\/([^)]+\.woff2)\)[^}]*?unicode-range:\s*([^;]+);/g)].map(([, file, ranges]) => ({
  file: file.replace(/\.woff2$/, '.woff'),
  ranges: ranges.split(',').map((r) => {
    const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
    return [parseInt(a, 16), parseInt(b ?? a, 16)];
  }),
}));
const fonts = new Map();
const load = (file) => {
  if (!fonts.has(file)) {
    const buf = fs.readFileSync(path.join(pkg, 'files', file));
    fonts.set(file, opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length)));
  }
  return fonts.get(file);
};

const glyphs = {};
let metrics;
for (const ch of chars) {
  const cp = ch.codePointAt(0);
  const face = faces.find((f) => f.ranges.some(([a, b]) => cp >= a && cp <= b));
  if (!face) throw new Error(`no subset covers ${ch} (U+${cp.toString(16)})`);
  const font = load(face.file);
  metrics ??= { unitsPerEm: font.unitsPerEm, ascender: font.ascender, descender: font.descender };
  const g = font.charToGlyph(ch);
  if (!g || g.index === 0) throw new Error(`no glyph for ${ch}`);
  // Baseline at y = 0, y down (SVG); one decimal is well below a pixel at any label size.
  const d = g.getPath(0, 0, font.unitsPerEm).toPathData(1);
  glyphs[ch] = { advance: g.advanceWidth, d };
}
const out = { font: `Noto Sans SC Bold (@fontsource/noto-sans-sc ${version})`, license: 'SIL Open Font License 1.1', ...metrics, glyphs };
fs.writeFileSync(new URL('../src/compliance/glyphs.json', import.meta.url), JSON.stringify(out) + '\n');
console.log(`${Object.keys(glyphs).length} glyphs, ${JSON.stringify(out).length} bytes`);
