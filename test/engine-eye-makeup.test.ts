// style.eyeMakeup: with style 'template', a source whose upper lids / lash line are far darker and
// more coloured against its own skin than the template's (smoky eye make-up onto a plain template)
// has that band pulled toward its skin, down to the template's contrast; the eye's opening, a plain
// source under a made-up template, similar faces and style 'source' are left alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyStyle, DEFAULT_STYLE, type StyleOptions } from '../src/engine/style.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT } from '../src/engine/regions.ts';
import { fillPolygon } from '../src/engine/raster.ts';

const w = 200, h = 160, n = w * h, faceW = 200;
type Pt = [number, number];
const roi = { x0: 0, y0: 0, w, h };

/** A stand-in mesh: the eyes' contours (outer corner → over the top → inner corner → under) and the brows. */
function mesh(): Pt[] {
  const pos: Pt[] = Array.from({ length: 468 }, () => [100, 150] as Pt);
  for (const [ids, cx, side] of [[EYE_RIGHT, 70, -1], [EYE_LEFT, 130, 1]] as const) {
    ids.forEach((id, j) => {
      const t = (Math.PI * (j % 8)) / 8;
      pos[id] = j < 8 || j === 8 ? [cx + side * 15 * Math.cos(j === 8 ? Math.PI : t), 80 - 6 * Math.sin(t)] : [cx - side * 15 * Math.cos(t), 80 + 6 * Math.sin(t)];
    });
  }
  for (const [ids, cx] of [[BROW_RIGHT, 70], [BROW_LEFT, 130]] as const) {
    ids.forEach((id, j) => {
      const t = (2 * Math.PI * j) / ids.length;
      pos[id] = [cx + 18 * Math.cos(t), 50 + 3 * Math.sin(t)];
    });
  }
  return pos;
}

const m = mesh();
const fill = (poly: Pt[]) => { const a = new Float32Array(n); fillPolygon(a, w, h, poly, 1); return a; };
const eyes = [fill(EYE_RIGHT.map((i) => m[i]!)), fill(EYE_LEFT.map((i) => m[i]!))];
const inEye = (i: number) => eyes[0]![i]! > 0 || eyes[1]![i]! > 0;
/** The lids: over each eye, up to 16 px above its top. */
const inLid = (x: number, y: number) => !inEye(y * w + x) && y >= 62 && y <= 82 && (Math.abs(x - 70) <= 16 || Math.abs(x - 130) <= 16);

function scene(lid: [number, number, number]) {
  const lab = [new Float32Array(n), new Float32Array(n), new Float32Array(n)] as [Float32Array, Float32Array, Float32Array];
  const cover = new Uint8Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = Math.floor(i / w);
    let v: number[] = [62, 14, 18];
    if (inLid(x, y)) v = [...lid];
    if (inEye(i)) v = [25, 4, 6]; // the iris
    const g = ((x * 7 + y * 13) % 5) - 2;
    lab[0][i] = v[0]! + g; lab[1][i] = v[1]!; lab[2][i] = v[2]!;
  }
  return { lab, cover };
}

const HEAVY: [number, number, number] = [30, 22, -2]; // dark, purple
const PLAIN: [number, number, number] = [55, 14, 17];
// Ungated (eyeMakeupGate 0): these scenes test the pull itself; the gate has tests of its own below.
const opts = (eyeMakeup: number, style: StyleOptions['style'] = 'template'): StyleOptions => ({ ...DEFAULT_STYLE, style, lips: 0, eyeMakeup, coolLids: 0, eyeMakeupGate: 0 });

function run(src: [number, number, number], tpl: [number, number, number], o: StyleOptions) {
  const s = scene(src), t = scene(tpl);
  const before = s.lab.map((p) => p.slice());
  applyStyle(s.lab, t.lab, s.cover, roi, m, m, faceW, o);
  let lidL = 0, lidC = 0, lidN = 0, eyeMoved = 0;
  for (let i = 0; i < n; i++) {
    const x = i % w, y = Math.floor(i / w);
    if (inLid(x, y)) { lidL += s.lab[0][i]! - before[0]![i]!; lidC += Math.hypot(s.lab[1][i]! - 14, s.lab[2][i]! - 18); lidN++; }
    if (inEye(i)) eyeMoved = Math.max(eyeMoved, ...[0, 1, 2].map((c) => Math.abs(s.lab[c]![i]! - before[c]![i]!)));
  }
  const changed = s.lab.some((p, c) => p.some((v, i) => v !== before[c]![i]));
  return { lift: lidL / lidN, chroma: lidC / lidN, eyeMoved, changed };
}

test('eyeMakeup: a heavily made-up source lid is lightened and desaturated toward a plain template', () => {
  const r = run(HEAVY, PLAIN, opts(1));
  assert.ok(r.lift > 3, `lid lightened: +${r.lift.toFixed(1)} L`);
  assert.ok(r.chroma < 0.9 * Math.hypot(22 - 14, -2 - 18), `lid colour toward the skin: ${r.chroma.toFixed(1)}`);
  assert.equal(r.eyeMoved, 0, 'the eye opening (iris) is untouched');
});

test('eyeMakeup: a plain source under a made-up template is not darkened; similar lids are left alone', () => {
  assert.equal(run(PLAIN, HEAVY, opts(1)).changed, false);
  assert.equal(run(HEAVY, HEAVY, opts(1)).changed, false);
});

test('eyeMakeup: off (0) and style "source" leave the source as it was', () => {
  assert.equal(run(HEAVY, PLAIN, opts(0)).changed, false);
  assert.equal(run(HEAVY, PLAIN, opts(1, 'source')).changed, false);
});

// style.coolLids: a blue-green eye-shadow is told from a deep-set eye by its hue, not its darkness.
const COOL: [number, number, number] = [35, -8, -12]; // blue-green shadow
const DEEP: [number, number, number] = [30, 7, 9]; // a socket's shadow: the skin's hue at less chroma
const coolOpts = (coolLids: number): StyleOptions => ({ ...DEFAULT_STYLE, lips: 0, eyeMakeup: 0, coolLids });
/** Mean chroma of the lids off the skin's hue line (a, b less their part along the skin's (14, 18), never negative). */
function lidHueOff(src: [number, number, number], tpl: [number, number, number], o: StyleOptions) {
  const s = scene(src), t = scene(tpl);
  const before = s.lab.map((p) => p.slice());
  applyStyle(s.lab, t.lab, s.cover, roi, m, m, faceW, o);
  let off = 0, nL = 0, dL = 0, eyeMoved = 0;
  const u = [14 / Math.hypot(14, 18), 18 / Math.hypot(14, 18)];
  for (let i = 0; i < n; i++) {
    const x = i % w, y = Math.floor(i / w);
    if (inLid(x, y)) {
      const a = s.lab[1][i]!, b = s.lab[2][i]!, p = Math.max(0, a * u[0]! + b * u[1]!);
      off += Math.hypot(a - p * u[0]!, b - p * u[1]!);
      dL = Math.max(dL, Math.abs(s.lab[0][i]! - before[0]![i]!));
      nL++;
    }
    if (inEye(i)) eyeMoved = Math.max(eyeMoved, ...[0, 1, 2].map((c) => Math.abs(s.lab[c]![i]! - before[c]![i]!)));
  }
  const changed = s.lab.some((p, c) => p.some((v, i) => v !== before[c]![i]));
  return { off: off / nL, dL, eyeMoved, changed };
}

test('coolLids: a blue-green shadow onto a plain template turns to the skin\'s hue, its lightness kept', () => {
  const before = lidHueOff(COOL, PLAIN, coolOpts(0));
  const after = lidHueOff(COOL, PLAIN, coolOpts(1));
  assert.equal(before.changed, false, 'coolLids 0: the old output');
  assert.ok(before.off > 12, `the shadow is off the skin's hue: ${before.off.toFixed(1)}`);
  assert.ok(after.off < 0.4 * before.off, `after: ${after.off.toFixed(1)} off the skin's hue`);
  assert.equal(after.dL, 0, 'L untouched');
  assert.equal(after.eyeMoved, 0, 'the eye opening is untouched');
});

test('coolLids: a deep-set eye (the skin\'s hue, darker) and a template with the same shadow are left alone', () => {
  assert.equal(lidHueOff(DEEP, PLAIN, coolOpts(1)).changed, false, 'a socket\'s shadow is not make-up');
  assert.equal(lidHueOff(COOL, COOL, coolOpts(1)).changed, false, 'the template wears it too');
  assert.equal(lidHueOff(COOL, PLAIN, { ...coolOpts(1), style: 'source' }).changed, false, "style 'source' keeps the user's make-up");
});

// style.eyeMakeupGate: eyeMakeup only where a dark, chroma-poor wing runs past both outer corners
// (black / grey liner, smoky pigment); a deep-set eye's shadow, as dark but with its skin's
// chroma for that darkness, is left alone.
const PIGMENT: [number, number, number] = [30, 2, 3]; // black-grey liner: far less chroma than a shadow at L 30
const SOCKET: [number, number, number] = [30, 8, 10.5]; // a socket's shadow: the skin's hue, chroma ∝ (L + 16)
/** The wing box past each outer corner (x 55 and 145, y 80): 12 px out, from 2 under to 8 over the corner. */
const inWing = (x: number, y: number, eyes: 'both' | 'one') => y >= 72 && y <= 82 && ((x >= 43 && x < 55) || (eyes === 'both' && x > 145 && x <= 157));

function gateScene(lid: [number, number, number], wing: 'both' | 'one' | 'none') {
  const s = scene(lid);
  for (let i = 0; i < n; i++) {
    const x = i % w, y = Math.floor(i / w);
    if (wing !== 'none' && inWing(x, y, wing)) { s.lab[0][i] = lid[0]; s.lab[1][i] = lid[1]; s.lab[2][i] = lid[2]; }
  }
  return s;
}

function gateRun(src: [number, number, number], wing: 'both' | 'one' | 'none', tplWing: 'both' | 'none', gate: number) {
  const s = gateScene(src, wing), t = gateScene(tplWing === 'none' ? PLAIN : src, tplWing);
  const before = s.lab.map((p) => p.slice());
  applyStyle(s.lab, t.lab, s.cover, roi, m, m, faceW, { ...opts(1), eyeMakeupGate: gate });
  let lift = 0, k = 0;
  for (let i = 0; i < n; i++) if (inLid(i % w, Math.floor(i / w))) { lift += s.lab[0][i]! - before[0]![i]!; k++; }
  return { changed: s.lab.some((p, c) => p.some((v, i) => v !== before[c]![i])), lift: lift / k };
}

test('eyeMakeupGate 0: eyeMakeup lightens a deep-set eye as much as make-up (the old behaviour)', () => {
  assert.ok(gateRun(SOCKET, 'both', 'none', 0).lift > 1, 'the socket is lightened');
  assert.ok(gateRun(PIGMENT, 'both', 'none', 0).lift > 1, 'the liner is lightened');
});

test('eyeMakeupGate 1: liner with a wing is lightened as before; a socket\'s shadow is left alone', () => {
  const on = gateRun(PIGMENT, 'both', 'none', 1), old = gateRun(PIGMENT, 'both', 'none', 0);
  assert.ok(on.lift > 1 && Math.abs(on.lift - old.lift) < 1e-6, `liner lifted ${on.lift.toFixed(2)} (ungated ${old.lift.toFixed(2)})`);
  assert.equal(gateRun(SOCKET, 'both', 'none', 1).changed, false, 'a deep-set eye (its shadow has the skin\'s chroma) is not make-up');
  assert.equal(gateRun(PIGMENT, 'none', 'none', 1).changed, false, 'no wing past the corners: not told from anatomy, left alone');
  assert.equal(gateRun(PIGMENT, 'one', 'none', 1).changed, false, 'a wing by one eye only (a lock of hair, a shadow) is not make-up');
  assert.equal(gateRun(PIGMENT, 'both', 'both', 1).changed, false, 'the template wears the same liner');
});
