// Colour and lighting match in Lab. A flat mean/std transfer cannot move a shadow from one
// cheek to the other; matching *local* means (normalised blurs over plain skin, a fraction of the
// face wide) carries the template's lighting direction and skin tone onto the source face while
// keeping the source's finer detail (its identity).
import { bilinearTaps, boxBlur, convexHull, divideByWeight, fillPolygon, gaussBlur, growPolygon, maskedBlur, productInto, selectKth } from './raster.ts';
import { BROW_LEFT, BROW_RIGHT, EYE_LEFT, EYE_RIGHT, FACE_OVAL, faceWidth, LIPS_OUTER, NOSE, pick } from './regions.ts';
import { cellNormals, evalShading, fitShading } from './shading.ts';

export interface ColourOptions {
  /** Blur sigma for the lighting field, as a fraction of face width. Larger keeps more source shading. */
  lightingSigma: number;
  /** Blur sigma for the chroma (a, b) field, as a fraction of face width. */
  chromaSigma: number;
  /** 'ratio' scales by local template/source means (keeps dark and neutral features); 'shift' adds their difference. */
  mode: 'ratio' | 'shift';
  /** The same for the chroma planes (a, b); 'ratio' matches the local mean and scales deviations from it. */
  chromaMode: 'ratio' | 'shift';
  /** Bound of that chroma gain: deviations scale by at most this much, or 1/this. */
  chromaGainMax: number;
  /**
   * 0..1: a source pixel between neutral and its local skin mean (per chroma plane) keeps its side
   * of neutral. Where the final chroma map v·gain + shift sends neutral past it (a saturated source
   * on a pale template: the gain's floor 1/chromaGainMax is more than the means' ratio), the part of
   * the deviation between the mean and neutral is mapped by the ratio of the matched mean to the
   * source's (neutral goes to neutral), the rest keeps the bounded gain; × this. A grey brow on red
   * skin went blue-grey on a pale template. 0 = off (the old maps, bit for bit); default 1.
   */
  neutralKeep: number;
  /**
   * 0..1: a second, finer lightness ratio (σ = 0.07 face width) applied with this strength, so a
   * source lit hard from one side takes more of the template's shading. Costs some identity.
   */
  detailLighting: number;
  /** Most detailLighting given automatically to a source lit harder than the template (0 = never). */
  detailLightingAuto: number;
  /**
   * 0..1: the shape-following shading (spherical harmonics over the mesh normals, shading.ts): the
   * source's divided out, the template's put in, beyond what the local means already carry.
   */
  shading: number;
  /** Floor of the gain that shrinks the source's skin chroma deviations to the template's spread (1 = never shrink). */
  skinChromaMin: number;
  /** 0..1: how much of the source's specular hot spots on skin (bright, desaturated) is taken out. */
  highlights: number;
  /**
   * 0..1: broad shine of the source (oily skin: sheets of specular light over the cheeks, nose,
   * forehead, under the eyes, wider than the hot spots' window). Skin brighter than its diffuse
   * surroundings (a robust skin mean at σ = `shineSigma`) *and* paler than their colour at that
   * brightness — white light added, which pales Lab chroma, where a brighter diffuse light deepens
   * it — is read as diffuse + white; this share of the white is taken out of the source before the
   * match (lightness and the chroma it washed out), over a soft ramp. Off (0) by default: at 0.8
   * the whitish blotches go and the seam and side tone improve, identity held on the tune split,
   * but on the report split (150 pairs) face-api retrieval fell 88.7 → 84.0 % (faceres 76.0 % both):
   * a highlight also carries the face's relief, and bright retouched skin reads as shine.
   */
  shine: number;
  /** σ of the diffuse surroundings the shine is measured against, fraction of the face width. */
  shineSigma: number;
  /**
   * 0..1: the lower face (below the nose, around the lips, down to the jaw) takes the template's
   * chroma at a fine scale (`lowerFaceSigma`), over every covered pixel there, skin or not: the
   * source's blue-grey shaved-beard shadow or a grey chin no longer make the face greyer or redder
   * than the template's neck. The lips keep the main match. Off (0) by default: at 1 (chroma only)
   * the tone step to the neck fell 4.50 → 4.07 ΔE on the tune split (150 pairs, identity kept) and
   * 4.87 → 4.47 on the report split, where face-api retrieval lost 4 pairs (90.7 → 88.0 %).
   */
  lowerFace: number;
  /**
   * Share of that fine match given to lightness (× lowerFace). 0: the chin's and jaw's shading
   * carry identity (tune split, 40 pairs: at 0.5 faceres retrieval fell 80 → 72.5 %, at 1 to
   * 67.5 %; 150 pairs: face-api 92.7 % at 0, 91.3 % at 0.25 for a tone step to the neck of 4.07
   * vs 3.75 ΔE, 4.50 off).
   */
  lowerFaceLight: number;
  /** σ of that fine match, fraction of the face width. */
  lowerFaceSigma: number;
  /**
   * 0..1: a source without colour (a greyscale photo, or one nearly so) takes its chroma from the
   * template's own face under it: the template's a/b at σ = `greySigma` over plain skin, with a
   * chroma-lightness coupling fitted on the template applied to the source's lightness detail.
   * Weighted by the source's chroma poverty (median skin chroma 6 → 2), so colour sources are
   * untouched (0 = off; default 1).
   */
  greySource: number;
  /** σ of the template's chroma field for grey sources, fraction of the face width. */
  greySigma: number;
  /** 0..1: share of the template's fitted chroma-lightness coupling given to the grey source's lightness detail. */
  greyCouple: number;
  /**
   * Soft ceiling on the result's saturation, chroma / (L + 16), at this multiple of the template's
   * skin (the 95th percentile over its skin cells); outside the lips. Dark creases and shadows of a
   * warm source, darkened by the lightness match with their chroma kept, went deep red or orange
   * (and out of the sRGB gamut). 0 = off.
   */
  chromaCeiling: number;
  /**
   * 0..1: the face's rim (jaw, chin, outer cheeks, temples: a ramp from 0.8 of the way out from the
   * face's centre to the oval) takes the template's local means at a fine scale (`peripherySigma`):
   * lightness by ratio, chroma by shift, over skin in both faces. The inner face (eyes, nose,
   * mouth) keeps the main match. 0 = off.
   */
  periphery: number;
  /** σ of that match, fraction of the face width. */
  peripherySigma: number;
  /**
   * 0..1: the rim's fine tone (the skin next to the ears, jaw and neck). After every other match
   * (edge tone included), over the rim's weight (as `periphery`'s), what is left between the
   * matched source's local means and the template's at the finer σ `rimFineSigma` (skin in both
   * faces) is taken out only beyond a dead zone: lightness by a ratio, its log shrunk by
   * `rimFineTolerance` toward 0 (× `rimFineLight`, bounded to [1/1.3, 1.3]); a and b by a shift
   * shrunk by `rimFineChromaTolerance`. A small residual (relief: the face's shape, which the
   * recognisers read) stays; a tone step the eye sees next to the ears and neck goes. 0 = off.
   */
  rimFine: number;
  /** σ of that match, fraction of the face width. */
  rimFineSigma: number;
  /** Share of it given to lightness (× rimFine). */
  rimFineLight: number;
  /** Where its weight starts, share of the way from the face's centre to its oval (full at the oval, edge blurred). */
  rimFineFrom: number;
  /** Dead zone of the lightness residual, in log L (0.05 ≈ 5 %). */
  rimFineTolerance: number;
  /** Dead zone of the a, b residual, in Lab units. */
  rimFineChromaTolerance: number;
  /**
   * 0..1: the face's tone continued into the template's ears, neck and hairline. After every other
   * match, a second fine match of the residual (the matched source's local means against the
   * template's, at `edgeToneSigma`, over skin in both faces) over a wider band than the rim's: a
   * ramp from `edgeToneFrom` of the way out from the face's centre to the oval, full from halfway
   * between that and the oval. Lightness by a ratio bounded to [1/1.3, 1.3], chroma by a shift.
   * The eyes', brows' and lips' hulls (grown) are left out, so the features keep the main match.
   * Fades out with a greyscale source's weight (greySource: its chroma is the template's already).
   * 1 by default; 0 = off.
   */
  edgeTone: number;
  /** Where that band starts, share of the way from the face's centre to its oval. */
  edgeToneFrom: number;
  /** Share of that match given to lightness (× edgeTone; chroma takes it whole). */
  edgeToneLight: number;
  /** σ of that match, fraction of the face width. */
  edgeToneSigma: number;
  /**
   * 0..1: the eye sockets (the band around each eye and brow: upper lid, under-brow, under-eye,
   * down to the cheekbone; not the eye's opening, its lashes, nor the brow) take the template's
   * lightness at a mid scale (`socketsSigma`), by a ratio that only lightens (bounded to 1.6): a
   * source lit from above keeps dark sockets under its brows that the coarse match cannot reach,
   * and on an evenly lit template they read as bruises or heavy eye shadow. The first 12 % of the
   * darkening is left (a socket's depth is identity). 0 = off (default); 1 recommended.
   */
  sockets: number;
  /** σ of that match, fraction of the face width. */
  socketsSigma: number;
  /**
   * 0..1: the same band's chroma (eye and brow included: eyes.ts redoes the eye's opening): the
   * matched source's local a and b means at `socketsSigma` shifted to the template's (over its
   * skin), bounded to ±20. A source under two coloured lights (a warm bounce on the lower lids and
   * sockets under a cool key) kept an amber or olive cast around the eyes that the coarse chroma
   * match (σ `chromaSigma`, over skin, which leaves the lids out) cannot reach. Cells paler than
   * half the face's median chromaticity (shine, hot spots) leave both faces' statistics. 0 = off
   * (default); 1 recommended (tune split: the under-eye cast against the template 3.15 → 1.93
   * mean |Δa, Δb|, each recogniser one pair; docs/ENGINE.md).
   */
  socketsChroma: number;
  /**
   * 0..1: the nose's base (nostril openings, columella, sills; `nostrils.ts`) takes the template's
   * darkness there: the matched source's (L + 16) relative to its nose-base surround is mapped by
   * rank onto the template's at its own nose base, only lightening, less `nostrilsTolerance`,
   * bounded to `nostrilsMax`; a and b scale with it. A top-lit source's dark nose underside read as
   * a dark blotch at the nostrils. 0 = off (default).
   */
  nostrils: number;
  /** Bound of that lightening (ratio of L + 16). */
  nostrilsMax: number;
  /** The first this much of the source's extra darkness there stays (ratio; a nostril's depth). */
  nostrilsTolerance: number;
  /**
   * 0..1: the nose's outline (`noseline.ts`): thin dark lines round the lower nose (tip, alae, nose
   * base), measured on each face as the log (L + 16) of a grey-level closing (a square of
   * `noseLineRadius` face widths) over the pixel's, are lifted by this share of their depth beyond
   * the template's own at its lower nose (its 97th percentile × `noseLineTolerance`, at least
   * `noseLineFloor`), the nostril openings left out; a and b scale with the square root of L + 16's
   * ratio. A crisp, shiny source's drawn nose contour read as a hard outline round a cut-out
   * nose on a softly side-lit template. 0 = off.
   */
  noseLine: number;
  /** Half-side of noseLine's closing square, face widths: dark lines narrower than twice it count. */
  noseLineRadius: number;
  /** Multiple of the template's line depth the source's outline keeps. */
  noseLineTolerance: number;
  /** Line depth (log of L + 16 under the closing's) the source's outline always keeps. */
  noseLineFloor: number;
  /**
   * 0..1: mottled skin (`mottle.ts`): on plain skin (the mask's skin weight less the eyes, brows,
   * lips and nose of both faces, grown and feathered), the matched source's band of L from σ
   * `mottleFine` to σ `mottleSigma` face widths (its stubble's shadow, folds, shading patches, an
   * enlarged JPEG's blocks) has its local RMS (σ 2 × mottleSigma) held to `mottleTolerance` × the
   * template's RMS of that band over its plain skin: scaled by min(1, that ratio), this share of the
   * way. Pores and the broad light are kept. The source's own blotches read as bruises and grey
   * patches on a template with cleaner skin. 0 = off (nothing read or written).
   */
  mottle: number;
  /** Multiple of the template's band RMS the source's skin keeps. */
  mottleTolerance: number;
  /** mottle's band: lower σ (face widths); finer is kept. */
  mottleFine: number;
  /** mottle's band: upper σ (face widths); coarser is kept. */
  mottleSigma: number;
  /** 0..1: the same on a and b (one gain from their joint band against the template's). */
  mottleChroma: number;
  /**
   * 0..1: the source's own lighting at a fine scale (`relightSigma`) taken out before the match and
   * the template's put in: per cell, (L + 16), a and b scale together (an exposure change in Lab, so
   * a shadow's lowered chroma comes back with its lightness) by the source's coarse (σ
   * `lightingSigma`) over its fine robust skin mean, times the template's fine over its coarse
   * (× `relightTemplate`); the source's fine chroma variation over its coarse one goes too (×
   * `relightChroma`). The fields are smooth and taken over skin only, so the features keep their
   * contrast. 0 = off.
   */
  relight: number;
  /** σ of the fine lighting field, fraction of the face width. */
  relightSigma: number;
  /** Share of the template's fine lighting put back (× relight). */
  relightTemplate: number;
  /** Share of the source's fine chroma variation taken out (× relight). */
  relightChroma: number;
  /**
   * Range σ (of log lightness) of the fine fields' edge-preserving (cross-bilateral) filter: a
   * shadow's edge stays in the field, so it leaves the face whole; relief (smaller steps) is
   * smoothed over and stays. 0 = a plain normalised blur.
   */
  relightEdge: number;
  /**
   * Tolerance (log lightness) of the source's fine lighting left alone: only the part of its
   * deviation beyond this is taken out (a cast shadow, a lit band), the rest (relief, which is
   * identity) stays. 0 = all of it.
   */
  relightTolerance: number;
  /**
   * Shadow gate (log lightness): a cell is de-lit only where the source's fine field departs from
   * its coarse one by more than this (full from `relightGate` + 0.1), so only a hard shadow or lit
   * band goes and ordinary relief keeps the source's own fine lightness. 0 = no gate (every cell).
   */
  relightGate: number;
  /** Only darker-than-coarse deviations pass the gate (shadows, not lit bands): 1, or 0 for both. */
  relightDarkOnly: number;
  /**
   * Per-image gate: the share of the source's skin cells past `relightGate` at which the relight
   * starts (full at twice it); below, nothing is touched. 0 = no per-image gate.
   */
  relightShare: number;
  /** The deviation (log lightness) past which a skin cell counts for `relightShare`. */
  relightShareAt: number;
  /**
   * Margin (face widths) around the eyes with their brows, the nose and the lips, inside which
   * nothing is de-lit (the sockets, the nose's sides and the brows' fine lightness is identity);
   * fades in over a band as wide again. 0 = none (needs the mesh).
   */
  relightKeep: number;
  /**
   * 0..1: the relight fades out with the chroma poverty of the source or the template, whichever is
   * greyer (greySource's weight: median skin chroma 6 → 2), strength × (1 − relightGrey × that
   * weight): a greyscale source's hard studio light passed the share gate and the de-lit face lost
   * identity, and so did a colour face de-lit into a greyscale template. 1 = none where either is
   * colourless; 0 = no such gate.
   */
  relightGrey: number;
  /**
   * 0..1: inside both eyes' openings, a and b are the source's own (before the match) plus one
   * shift for both eyes (the match's mean move over the openings), instead of the skin's per-cell
   * maps, which moved the two eyes' colours apart and scaled the irises' colour by the chroma gain
   * (eyes.ts). Lightness keeps the match; faded out on a greyscale template. 0 = off.
   */
  eyeWhites: number;
  /**
   * 0..1: a squinting source onto an open-eyed template (eyes.ts keepTemplateEyes). Each face's
   * seen eye opening is its mesh's lid gap / eye width (both eyes' mean) × the share of the opening
   * that stands out from the lids around it (eyeShare: Human's mesh keeps a squint's lids apart).
   * Where the source's seen opening is under `squintFrom` × the template's (full at `squintFull`)
   * and its mesh opening under `squintMesh` × the template's (full 0.1 lower), the warp stretches a
   * few rows of the source's slit over the template's open eye (smeared lids, no iris): inside
   * each eye's opening (the destination mesh's eye contour, feathered 0.6 % of the face width) the
   * template's own eye (iris, white, lid edge; its Lab) is taken, brought over by the similarity
   * from the destination's eye corners to the template's; the source's lids and skin stay around
   * it. 0 = off.
   */
  squint: number;
  squintFrom: number;
  squintFull: number;
  squintMesh: number;
  /**
   * 0..1: where the warp stretches the source (a turned template's wide near cheek gets the
   * source's foreshortened cheek edge: its hair's shade, a shadow, a rim of light), the template's
   * own lightness at a fine scale (`edgeLightSigma`) replaces the source's after the one pass: its
   * local mean (both faces' over what is shown, the blend's alpha) times the source's finer detail,
   * soft-clamped (`edgeLightDetail`). The weight ramps with the warp's area stretch from
   * `edgeLightStretchFrom` to `edgeLightStretchFull` (× the median triangle's), in the face's outer band (from
   * `edgeLightBand` of the way out), outside the eyes', brows', nose's and lips' hulls (grown); per
   * pair from `edgeLightTurn` degrees of |Δyaw| when the template is the more turned face (the
   * caller's `edge.turn`), never on a greyscale source. 0 = off.
   */
  edgeLight: number;
  /** σ of that match, fraction of the face width. */
  edgeLightSigma: number;
  /** Area stretch (dst / src, over the median triangle's) at which it starts. */
  edgeLightStretchFrom: number;
  /** … and at which it is full. */
  edgeLightStretchFull: number;
  /** Share of that match given to chroma (a shift; lightness takes it whole). */
  edgeLightChroma: number;
  /** Bound of the lightness ratio, [1/this, this]. */
  edgeLightMax: number;
  /**
   * The source's detail finer than σ there (lightness over its local mean) is soft-clamped to
   * ±this share (tanh): pores pass, a strand of hair or a thin rim of light does not. 0 = kept whole.
   */
  edgeLightDetail: number;
  /** |yaw| difference (degrees) between the faces from which it acts (full 5° further). */
  edgeLightTurn: number;
  /** Where its band starts, share of the way from the face's centre to its oval (full halfway to the oval). */
  edgeLightBand: number;
  /**
   * 0..1: the same match beside a cut in the mask inside the face (the source's hair at its cheek,
   * cut out by the mask, leaves its shade and loose edge on the kept side; a turned template's wide
   * near cheek shows it as a grey-brown blotch), whatever the warp's stretch there: within
   * `edgeLightCutWidth` of covered cells, at least EDGE_CUT_INSET inside the warped face's cover,
   * where under EDGE_CUT_SHOWN of the source is shown; in a band of its own (`edgeLightCutBand`), outside the same hulls.
   * Gated on the pair's turn from `edgeLightCutTurn` degrees (full 5° further); needs `edgeLight`
   * (its strength scales both terms). 0 = off.
   */
  edgeLightCut: number;
  /** How far beside the cut it reaches (face widths; its edge blurred over half of it). */
  edgeLightCutWidth: number;
  /** |yaw| difference (degrees, template the more turned face) from which the cut term acts (full 5° further). */
  edgeLightCutTurn: number;
  /** Where the cut term's band starts, share of the way from the face's centre to its oval (full halfway to the oval). */
  edgeLightCutBand: number;
  /**
   * 0..1: chroma follows lightness (a different skin under the same light). Each pixel's chroma is
   * matched as chromaticity, a ÷ (L + 16) and b ÷ (L + 16) (a function of X/Y and Z/Y only), and
   * put back at its matched lightness: the per-cell chroma maps hold at the cell's skin lightness,
   * and a shadow the L map lifts (or darkens) more than its cell keeps its chromaticity instead of
   * turning grey. Faded out for a greyscale source. 0 = off.
   */
  albedo: number;
  /**
   * 0..1: the L maps as ratios of L + 16 (∝ Y^⅓, so ratios of linear light) about the cell's skin
   * lightness, not of L*: the cell's matched skin level is kept, the contrast around it is the
   * source's shading ratios. 0 = off (L* ratios, which amplify a dark source's relief).
   */
  albedoLight: number;
  /** σ (face widths) of the source's skin lightness and chroma the two knobs above refer each cell to. */
  albedoSigma: number;
  /** Bound on the chromaticity gain |template skin| ÷ |source skin| that scales a pixel's chromaticity deviation. */
  albedoGainMax: number;
  /**
   * 0..1: over the brows' hair (their hull grown 0.008 face width; pixels under 0.9 → 0.7 of the
   * source's skin L + 16 there), the source's own chromaticity, and its own L where the skin is
   * lifted (the skin's L* ratio where it is darkened): hair is not skin, and the skin's shift
   * toward a paler template's chroma and lift left dark brows grey. Only with `albedo`.
   */
  albedoBrows: number;
  /** Share of `albedoBrows` given to the brows' lightness (1 = the hair's own L where the skin is lifted). */
  albedoBrowsLight: number;
  /**
   * Light the skin throws back into its own shadows (nostrils, sockets, the fold under the lip)
   * grows with its albedo: κ in φ = κ·Y of the skin, a shadow's share of the skin's light r = v + φ
   * (over 1 + φ) refitted from the source's φ to the matched face's. A paler face's shadows are
   * shallower, a darker one's deeper; highlights the other way. Skin only (eyes, brows and lips
   * left out). Only with `albedo`; 0 = off.
   */
  albedoFill: number;
  /**
   * 0..1: how a shadow's chromaticity departs from its skin's (per channel, fitted on each face's
   * skin cells: relative chromaticity on relative L + 16) is the template's, not the source's: a
   * dark skin's shadows go redder, a pale one's yellower. Only with `albedo`; 0 = off.
   */
  albedoCouple: number;
  /**
   * The knobs above act only across skin tones: a skin both darker and more colourful than the
   * other (melanin; exposure moves only the first, a colour cast only the second), read from the
   * medians over skin cells of the match's lift ln (L + 16) and of ln of the chromaticity
   * magnitudes' ratio (toneGate()), from this (nothing) to twice it (full); colourless faces not at
   * all. 0 = every pair.
   */
  albedoGate: number;
  /**
   * 0..1: the template's dark non-skin (a beard or moustache the mask lets through as shadowed
   * skin, dark stubble, a kept hair) leaves the statistics of every match: a cell whose L + 16 lies
   * more than `darkCellsFrom` (log) below the template's own coarse field (σ `lightingSigma`, over
   * the same cells) loses weight, all of it from `darkCellsTo`; the source's cell there goes with
   * it. It pulled the template's field under its skin (a moustache of L 25 in a cheek's σ 0.2
   * mean), and the whole mid-face came out darker and greyer than the template's forehead, ears
   * and neck. Only below the nose's tip (with the mesh): over the whole face a side-lit template's
   * shadow went too. 0 = off (default); 1 recommended (tune split: neck 3.00 → 2.89 ΔE, identity kept; docs/ENGINE.md).
   */
  darkCells: number;
  /** Log (L + 16) below the template's field from which a cell starts to leave. */
  darkCellsFrom: number;
  /** … and at which it is out entirely. */
  darkCellsTo: number;
  /** 1: a cell leaves only as far as the place mirrored across the face's midline is dark too (a beard, not a side light's shadow); 0: no such test. */
  darkCellsMirror: number;
  /**
   * The template's kept beard: a dark cell stays in the statistics as far as the template's non-skin
   * the mask kept (covered pixels in neither statistic, below the nose and outside the lips, at
   * least 0.03 face width inside the warped face's edge) fills the neighbourhood (σ 0.03 face
   * width) of a place within 0.04 face width of it: fully from this share, not at all under half of
   * it. The dark skin beside a full beard is its shaded cheeks and jaw, next to the kept beard and
   * the neck, and taken out it left the face lighter than them; a moustache the mask let through
   * has no kept beard around it. 0 = off.
   */
  darkCellsBeard: number;
  /**
   * With darkCells: where the face next to the neck and ears (the eval's chin, jaw and outer-cheek
   * discs) comes out lighter than the template's skin there after every L match, darkCells' lift of
   * the template's field is taken back as far as that excess (never below the match without it), ×
   * this. The dark cells beside a beard or stubble are partly the template's shaded skin, and
   * without them the face came out lighter than the neck. 0 = off.
   */
  darkCellsAnchor: number;
  /**
   * 0..1: the source's mid-band relief (log L + 16 at σ `reliefFine` face width over σ `reliefCoarse`,
   * over skin: highlights on the nose bridge, cheekbones and forehead, contouring) goes toward the
   * template's own at the same cells, by this strength × a per-pair gate: only where the two faces'
   * relief differ a lot (reliefGate()). A dark source under studio light on a pale, softly lit
   * template kept its white streaks and lost the template's side shading. 0 = off.
   */
  relief: number;
  /** The gate: the mean square difference of the two mid bands over the inner face's skin (log², × 1000) at which it starts (full at twice); a second gate on the lift onto a lighter skin (ln L + 16 ratio 0.1 → 0.2). */
  reliefFrom: number;
  /** σ of the mid band's fine field (face widths). */
  reliefFine: number;
  /**
   * 0..1: share of the same move for a and b (their mid band, by a shift, bounded to ±8): a
   * specular streak is paler as well as lighter, and darkened alone it turned grey-green.
   */
  reliefChroma: number;
  /** 0..1: share of the move where it lightens (the source's shadows and contouring lifted, the template's light put in); 0 = it only darkens (the source's highlights). */
  reliefLift: number;
  /** σ of its coarse field (face widths). */
  reliefCoarse: number;
  /**
   * 0..1: a small source shown at its own size or larger whose eyes are soft (Face.eyeCrispness at or
   * under `softEyesFrom`, whole at `softEyesFull`) takes the template's own eyes in the openings
   * (as `squint` does: keepTemplateEyes), × this; its lids, brows and skin stay. 0 = off.
   */
  softEyes: number;
  /** softEyes: eye crispness at and above which it does nothing … */
  softEyesFrom: number;
  /** … and at and below which it is whole. */
  softEyesFull: number;
  /**
   * softEyes (and texture.softMedium): the crispness is read only on a source face at most this
   * wide (px), which the swap shows at least at its own size, enlarged by the engine or not. The
   * crispness is a per-pixel measure: a large face reads soft at its own resolution though its
   * eyes are sharp where they land. 0 = only the sources the engine enlarges, any width.
   */
  softEyesMaxWidth: number;
  /**
   * 0..1: the brows' hair (./browhair.ts) held to the chroma real brows have relative to the skin
   * around them, after the match: a hair pixel keeps at most C_skin × min(1, browChromaRatio ×
   * L / L_skin) and is moved toward the skin's hue at that chroma by this share (lightness kept).
   * A small warm source on a cooler template kept its brows' chroma while the skin's fell, so they
   * read as orange-brown paint. 0 = off.
   */
  browChroma: number;
  /** browChroma's bound: the hair's chroma over the skin's per unit of its lightness over the skin's (real brows: median 1.6). */
  browChromaRatio: number;
  /**
   * 0..1: the source's fine shadow (its skin's local mean at σ `shadowLiftSigma` below its own
   * coarse field at σ `lightingSigma`) where the matched face comes out darker than the template's
   * skin at that σ by more than `shadowLiftTolerance` (log L + 16): L lifted by a shift, as far as the
   * smaller of the two (bounded to `shadowLiftMax`), × this; the eyes' openings, brows, nose and
   * lips (grown 0.008 face width) kept. A side-lit source's deep shade under one eye otherwise
   * lands as a dark, mottled cloud on an evenly lit template (the coarse ratio lifts the half-face's
   * mean, not the shade finer than it). 0 = off.
   */
  shadowLift: number;
  /** σ of its fine fields (face widths). */
  shadowLiftSigma: number;
  /** Log (L + 16) darkening of the matched face under the template's left alone. */
  shadowLiftTolerance: number;
  /** Bound of the lift (ratio of L + 16). */
  shadowLiftMax: number;
  /**
   * With shadowLift, where the source has fine shade: L's gain on the deviations from the source's
   * fine skin mean (freckles, pores, a smudge) is bounded to this (the mean keeps the full match);
   * 0 = unbounded.
   */
  shadowLiftGain: number;
  /**
   * Its gate on the source's fine shade (ln of coarse over fine L + 16): nothing below this, full
   * from twice it; the gain bound also only as far as the match is darker than the template's
   * beyond the tolerance (full 0.1 further). 0 = no gate.
   */
  shadowLiftFrom: number;
  /**
   * Its gate on the coarse match: only where the template's skin is at least this many times as
   * light as the source's at σ `lightingSigma` (L + 16; full from 1.25 × it), so the coarse ratio
   * multiplies the shade's depth and its freckles; 0 = no gate.
   */
  shadowLiftRatio: number;
  /** 0..1: the sockets' band (each eye with its brow, hull grown 0.06 face width, edge blurred 0.025) left to `sockets` (its dark skin there read as identity); 0 = included. */
  shadowLiftSockets: number;
  /**
   * 0..1: the lids (after every other L match): between each eye's opening and its brow and round
   * the opening (the eye-and-brow hull grown `socketLidGrow` face width; the opening and the brow,
   * grown 0.004, out of it), the matched source's local mean of L + 16 at σ `socketLidSigma` (plain
   * means over the covered pixels: a lid in shadow is not skin to the skin weight) taken to the
   * template's there by a ratio that only lightens, beyond `socketLidTolerance` (log), bounded to
   * `socketLidMax`: a ratio of L + 16, so the crease and the lash line keep their contrast. A source
   * lit from above kept its upper lids and under-brows near black (roger_federer/2: L 3.5 against
   * the template's 43), which `sockets` leaves (its statistics skip 0.015 round the eye, its ratio is
   * of L, bounded to 1.6). 0 = off (default).
   */
  socketLid: number;
  /** σ of that match, fraction of the face width. */
  socketLidSigma: number;
  /** Its zone: the eye-and-brow hull grown this much (face widths). */
  socketLidGrow: number;
  /** The part of the darkening left (log of L + 16): a lid's own depth. */
  socketLidTolerance: number;
  /** Bound of the lift (ratio of L + 16). */
  socketLidMax: number;
  /** 0..1: share of the surrounding lift also given to the eyes' openings (iris, whites: their contrast kept); 0 = openings left to eyes.ts. */
  socketLidOpen: number;
  /** 0..1: with socketLid, a and b shifted toward the template's local means there, as far as L was lifted (full from a log lift of 0.3), bounded to ±15; 0 = L only. */
  socketLidChroma: number;
  /**
   * 0..1: socketLid at this strength (the larger of the two) for a small, soft source only: one
   * whose eye crispness the engine reads (at most `softEyesMaxWidth` px wide, shown at its own size
   * or larger: the faces softEyes reads) and, × softEyes' smoothstep on that crispness (none from
   * `softEyesFrom`, whole at `softEyesFull`) when `socketLidSoftEyes` is on. Such a source's
   * dark, smeared sockets were the most-named fault of its swaps ("raccoon eyes"), and its eyes
   * already come from the template (softEyes). 0 = off.
   */
  socketLidSoft: number;
  /** 0/1: socketLidSoft also scaled by softEyes' crispness smoothstep (1), or whole for every face the engine reads (0). */
  socketLidSoftEyes: number;
  /** socketLidSoft's own tolerance (in place of `socketLidTolerance` where it acts; log of L + 16). */
  socketLidSoftTolerance: number;
}

/** The face's geometry for the shading transfer: the layout in the ROI and each mesh's normals. */
export interface ShadingGeometry {
  /** Destination mesh points, ROI-local pixels. */
  pos: ArrayLike<number>[];
  tri: ArrayLike<number>;
  targetNormals: Float32Array;
  sourceNormals: Float32Array;
}

// Hard-lit = the robust spread (1.48 × MAD) over skin of log(fine / coarse lightness) of the source
// minus the template's. Measured on ../shared/faces: 14 sources' medians −0.026…0.042, the
// side-lit alex-lacamoire.png highest (up to 0.10). From HARD_LIT_FROM the automatic detail
// lighting starts; at HARD_LIT_FULL it is at full strength.
const HARD_LIT_FROM = 0.03;
const HARD_LIT_FULL = 0.07;

// Chroma poverty of the source: the median chroma (√(a² + b²)) of its skin cells. Colour photos on
// the tune split: 8.9 (a desaturated one) to 38; greyscale crops (bbt_*): 0.00. Full weight from
// GREY_FULL down, none from GREY_NONE up.
const GREY_FULL = 2;
const GREY_NONE = 6;
// Template skin this much brighter than its local mean (relative) is shine: from 1× to 2× it
// leaves the grey source's chroma field.
const GREY_SHINE = 0.08;

function spread(v: number[]): number {
  if (v.length < 8) return 0;
  // Selected, not sorted (raster.ts selectKth): the same medians in linear time.
  const s = Float64Array.from(v);
  const med = selectKth(s, s.length >> 1);
  const dev = s.map((x) => Math.abs(x - med));
  return 1.48 * selectKth(dev, dev.length >> 1);
}

// The two loops below are module functions, not closures in matchColour: V8 keeps a closure's
// optimised code per closure, so a closure made on every swap was compiled again on every swap.
/** Spread of log(fine / coarse lighting) over skin cells: how hard-lit a face is. */
function shadingSpread(fine: Float32Array, coarse: Float32Array, wl: Float32Array): number {
  const logs: number[] = [];
  for (let i = 0; i < fine.length; i++) if (wl[i] > 0.5 && fine[i] > 2 && coarse[i] > 2) logs.push(Math.log(fine[i] / coarse[i]));
  return spread(logs);
}

/** Spread of the skin cells' deviations from their local mean. */
function deviationSpread(cells: Float32Array, mean: Float32Array, wl: Float32Array): number {
  const d: number[] = [];
  for (let i = 0; i < cells.length; i++) if (wl[i] > 0.5) d.push(cells[i] - mean[i]);
  return spread(d);
}

export const DEFAULT_COLOUR: ColourOptions = { lightingSigma: 0.2, chromaSigma: 0.1, mode: 'ratio', chromaMode: 'ratio', chromaGainMax: 1.33, neutralKeep: 1, detailLighting: 0, detailLightingAuto: 0.7, shading: 0.5, skinChromaMin: 0.25, highlights: 0.7, shine: 0, shineSigma: 0.1, lowerFace: 0, lowerFaceLight: 0, lowerFaceSigma: 0.04, greySource: 1, greySigma: 0.03, greyCouple: 1, chromaCeiling: 1.1, periphery: 1, peripherySigma: 0.05, rimFine: 0, rimFineSigma: 0.02, rimFineLight: 1, rimFineFrom: 0.92, rimFineTolerance: 0.05, rimFineChromaTolerance: 2, edgeTone: 1, edgeToneFrom: 0.5, edgeToneLight: 0.25, edgeToneSigma: 0.05, sockets: 1, socketsSigma: 0.03, socketsChroma: 0, nostrils: 0, nostrilsMax: 2.5, nostrilsTolerance: 1.1, noseLine: 0, noseLineRadius: 0.008, noseLineTolerance: 0.5, noseLineFloor: 0.2, mottle: 0, mottleTolerance: 1, mottleFine: 0.01, mottleSigma: 0.06, mottleChroma: 1, relight: 1, relightSigma: 0.05, relightTemplate: 0, relightChroma: 1, relightEdge: 0.15, relightTolerance: 0, relightGate: 0, relightDarkOnly: 0, relightShare: 0.08, relightShareAt: 0.3, relightKeep: 0.06, relightGrey: 1, eyeWhites: 1, squint: 1, squintFrom: 0.55, squintFull: 0.45, squintMesh: 0.9, edgeLight: 1, edgeLightSigma: 0.006, edgeLightStretchFrom: 1.2, edgeLightStretchFull: 1.8, edgeLightChroma: 0.5, edgeLightMax: 1.6, edgeLightDetail: 0.15, edgeLightTurn: 8, edgeLightBand: 0.6, edgeLightCut: 1, edgeLightCutWidth: 0.04, edgeLightCutTurn: 3, edgeLightCutBand: 0.6, albedo: 0, albedoLight: 0, albedoSigma: 0.05, albedoGainMax: 1.5, albedoBrows: 0, albedoFill: 0, albedoCouple: 0, albedoGate: 0, albedoBrowsLight: 1, darkCells: 1, darkCellsFrom: 0.15, darkCellsTo: 0.3, darkCellsMirror: 0, darkCellsBeard: 0, darkCellsAnchor: 0, relief: 0, reliefFrom: 6, reliefFine: 0.02, reliefChroma: 1, reliefLift: 1, reliefCoarse: 0.1, shadowLift: 1, shadowLiftSigma: 0.05, shadowLiftTolerance: 0, shadowLiftMax: 1.5, shadowLiftGain: 1.15, shadowLiftFrom: 0.04, shadowLiftRatio: 1.4, shadowLiftSockets: 1, socketLid: 0, socketLidSigma: 0.02, socketLidGrow: 0.02, socketLidTolerance: 0.1, socketLidMax: 3, socketLidOpen: 0, socketLidChroma: 1, socketLidSoft: 0, socketLidSoftEyes: 1, socketLidSoftTolerance: 0, softEyes: 1, softEyesFrom: 0.6, softEyesFull: 0.5, softEyesMaxWidth: 160, browChroma: 0, browChromaRatio: 1.6 };

/**
 * Matches the source planes (Lab, in place) to the template's local means, shading and highlights.
 * Every field is computed on a grid of cells ~1/100 of the face wide (they are smooth) and all of
 * them are applied in one pass over the pixels: per channel an affine map v·gain + shift, then the
 * hot-spot compression.
 */
export function matchColour(
  src: [Float32Array, Float32Array, Float32Array],
  tgt: [Float32Array, Float32Array, Float32Array],
  weight: Float32Array,
  w: number,
  h: number,
  faceW: number,
  opts: ColourOptions = DEFAULT_COLOUR,
  /** Weight for the lightness (L) statistics, when it differs from `weight` (shadowed skin). */
  lightWeight: Float32Array = weight,
  geometry?: ShadingGeometry,
  /** Pixels to write (the warped face's cover); all when omitted. */
  only?: Uint8Array,
  /**
   * For edgeLight: the warp's area stretch per pixel (dst / src over the median triangle's) and
   * the blend's alpha (what of the source is shown).
   */
  edge?: { stretch: Float32Array; alpha: Float32Array; turn: number },
): void {
  const k = Math.max(1, Math.round(faceW / 100));
  const grid = cellMeans(src, tgt, lightWeight, w, h, k, only);
  // The template's dark non-skin out of every statistic (before any field is blurred).
  const wlAll = opts.darkCells > 0 && opts.darkCellsAnchor > 0 ? grid.wl.slice() : undefined;
  if (opts.darkCells > 0) darkCellsOut(grid, (opts.lightingSigma * faceW) / k, opts, geometry, k, faceW, opts.darkCellsBeard > 0 ? { weight: lightWeight, w, h, only } : undefined);
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  // The source's broad shine: out of its cells now (so every statistic below sees diffuse skin), out
  // of its pixels in the one pass.
  const gloss = opts.shine > 0 ? shineField(grid, k, faceW, opts) : undefined;
  // Normalised convolution on the grid: blur(value·weight) / blur(weight), the weight's blur made
  // once per scale.
  const weightBlurs = new Map<number, Float32Array>();
  // How colourless the source is (greySource's weight), for its grey chroma and the relight's gate.
  const greySrc = opts.greySource > 0 || (opts.relight > 0 && opts.relightGrey > 0) ? greyWeight(grid.src, wl) : 0;
  // The source's fine lighting: out of its cells now (the match below sees a de-lit face), a map
  // per cell composed with the match's before the one pass (relightFields()).
  const relit = opts.relight > 0 ? relightFields(grid, k, faceW, opts, greySrc, weightBlurs, geometry) : undefined;
  const fieldL = (d: Float32Array, sigmaFw: number) => cellField(d, (sigmaFw * faceW) / k, wl, cw, ch, weightBlurs);
  const cellsS = grid.src[0];
  const cellsT = grid.tgt[0];
  const lightS = fieldL(cellsS, opts.lightingSigma);
  const lightT = fieldL(cellsT, opts.lightingSigma);
  // How much finer than the lighting field the source's own shading is (a shadow down one side of
  // the face, a hot spot on a cheek), against the template's: a hard-lit source.
  const hardLit = shadingSpread(fieldL(cellsS, 0.07), lightS, wl) - shadingSpread(fieldL(cellsT, 0.07), lightT, wl);
  const gains: Float32Array[] = [];
  const shifts: Float32Array[] = [];
  // The source's local chroma means (neutralKeep's reference).
  const chromaMeans: Float32Array[] = [];
  for (let c = 0; c < 3; c++) {
    const sigmaFw = c === 0 ? opts.lightingSigma : opts.chromaSigma;
    // Chroma means over the lightness cells too: a source's cheek under coloured light is not
    // skin-coloured, and left out of the means it would keep its cast.
    const cs = grid.src[c];
    const ct = grid.tgt[c];
    const ms = c === 0 && sigmaFw === opts.lightingSigma ? lightS : fieldL(cs, sigmaFw);
    const mt = c === 0 && sigmaFw === opts.lightingSigma ? lightT : fieldL(ct, sigmaFw);
    if (c > 0) chromaMeans.push(ms);
    // Skin's own chroma varies little under one light; a source lit by two (a blue window on one
    // side, warm lamps on the other) varies a lot, and that cast must not survive the match.
    // Over skin, deviations from the local mean shrink to the template's spread of them.
    let skinGain = 1;
    if (c > 0) {
      const ds = deviationSpread(cs, ms, wl);
      if (ds > 0.5) skinGain = Math.min(1, Math.max(opts.skinChromaMin, deviationSpread(ct, mt, wl) / ds));
    }
    const ratio = (c === 0 ? opts.mode : opts.chromaMode) === 'ratio';
    // Ratio mode: a gain where both local means are clearly positive (skin: L, a, b all are), so
    // dark pupils stay dark and eye whites stay neutral; a shift elsewhere.
    const gain = new Float32Array(nc);
    const shift = new Float32Array(nc);
    for (let i = 0; i < nc; i++) {
      if (ratio && c === 0 && ms[i] > 2 && mt[i] > 2) {
        gain[i] = Math.min(3, Math.max(1 / 3, mt[i] / ms[i]));
      } else if (ratio && c > 0) {
        // Chroma: the local mean goes exactly to the template's and deviations from it (brows,
        // eyes) scale by a bounded, continuous gain. A pure ratio switched to a shift near neutral
        // means and left purple/green blotches; a pure shift turns dark brows blue on pale skin.
        gain[i] = Math.min(opts.chromaGainMax, Math.max(1 / opts.chromaGainMax, (Math.abs(mt[i]) + 2) / (Math.abs(ms[i]) + 2)));
        shift[i] = mt[i] - gain[i] * ms[i];
      } else {
        gain[i] = 1;
        shift[i] = mt[i] - ms[i];
      }
      // Skin takes the compressed deviations, features (brows, eyes, lips) keep theirs: a mix, by
      // the cell's share of skin, of the match above and of (v − ms)·skinGain + mt.
      if (skinGain < 1) {
        const mix = wl[i];
        gain[i] += mix * (skinGain - gain[i]);
        shift[i] += mix * (mt[i] - skinGain * ms[i] - shift[i]);
      }
    }
    gains.push(gain);
    shifts.push(shift);
  }
  if (geometry && opts.shading > 0) {
    const r = shadeRatio(cellsS, cellsT, wl, cw, ch, k, (opts.lightingSigma * faceW) / k, geometry, opts.shading);
    if (r) scaleAffine(gains[0], shifts[0], r);
  }
  // Second pass on L only, after the coarse match: gain^detail at a finer scale (σ = 0.07 face
  // width). A hard-lit source gets it automatically, in proportion to how much harder lit it is
  // than the template (side-by-sides: a shadow down one side of alex-lacamoire's face no longer
  // lands on the template as a dark band; ID retrieval unchanged, BENCHMARKS.md).
  const auto = opts.detailLightingAuto * Math.min(1, Math.max(0, (hardLit - HARD_LIT_FROM) / (HARD_LIT_FULL - HARD_LIT_FROM)));
  const detail = Math.min(1, Math.max(0, opts.detailLighting ?? 0, auto));
  if (detail > 0) {
    // The source's cells after the coarse match: the affine map is near constant over a cell.
    const matched = new Float32Array(nc);
    for (let i = 0; i < nc; i++) matched[i] = cellsS[i] * gains[0][i] + shifts[0][i];
    const ms = fieldL(matched, 0.07);
    const mt = fieldL(cellsT, 0.07);
    const g = new Float32Array(nc);
    for (let i = 0; i < nc; i++) g[i] = ms[i] > 2 && mt[i] > 2 ? Math.pow(Math.min(3, Math.max(1 / 3, mt[i] / ms[i])), detail) : 1;
    scaleAffine(gains[0], shifts[0], g);
  }
  if (relit) composeRelight(grid, relit, gains, shifts);
  if (geometry && (opts.sockets > 0 || opts.socketsChroma > 0)) socketMatch(src, tgt, w, h, k, grid, gains, shifts, geometry, faceW, opts, only);
  if (geometry && opts.periphery > 0) peripheryMatch(grid, gains, shifts, geometry, faceW, k, opts);
  if (geometry && opts.lowerFace > 0) lowerFaceMatch(coveredMeans(src, tgt, w, h, k, only), gains, shifts, geometry, faceW, k, opts.lowerFace, opts.lowerFaceLight, opts.lowerFaceSigma);
  // A source without colour: its chroma from the template's face under it (greyChroma()).
  const grey = opts.greySource > 0 ? Math.min(1, opts.greySource) * greySrc : 0;
  // The edge tone: a grey source takes the template's fine chroma there already; it fades out with it.
  if (geometry && opts.edgeTone > 0 && grey < 1) edgeToneMatch(grid, gains, shifts, geometry, faceW, k, { ...opts, edgeTone: Math.min(1, opts.edgeTone) * (1 - grey) });
  // The rim's fine tone, beyond a dead zone (what the matches above leave next to the ears and neck).
  if (geometry && opts.rimFine > 0) rimFineMatch(grid, gains, shifts, geometry, faceW, k, opts, grey);
  // darkCellsAnchor: after every L match, darkCells' lift taken back as far as the face next to the
  // neck and ears comes out lighter than the template's skin there.
  if (wlAll && geometry) {
    const r = anchorLift(lightT, cellsT, grid.src[0], gains[0], shifts[0], wlAll, cw, ch, (opts.lightingSigma * faceW) / k, geometry, k, faceW, Math.min(1, opts.darkCellsAnchor));
    if (r) scaleAffine(gains[0], shifts[0], r);
  }
  // shadowLift: after every L match, the source's fine shade lifted where the face comes out darker than the template's.
  if (geometry && opts.shadowLift > 0) shadowLiftMatch(grid, gains[0], shifts[0], fieldL, geometry, faceW, k, opts);
  // socketLid: the lids and under-brows after every L match, lightened toward the template's (L + 16 ratio).
  if (geometry && opts.socketLid > 0) socketLidMatch(src, tgt, w, h, k, grid, gains, shifts, geometry, faceW, opts, only);
  // The stretched edge: after every other match, so the template's own fine lightness is what is left there.
  // Only where one face is turned against the other (|Δyaw|): a frontal pair's stretch is the identity shape's.
  const turn = edge ? Math.min(1, Math.max(0, (edge.turn - opts.edgeLightTurn) / EDGE_LIGHT_TURN_RAMP)) : 0;
  // edgeLightCut: beside a cut in the mask, on its own turn gate.
  const cutTurn = edge && opts.edgeLightCut > 0 ? Math.min(1, Math.max(0, (edge.turn - opts.edgeLightCutTurn) / EDGE_LIGHT_TURN_RAMP)) : 0;
  // A colourless source (greySource's weight) is left out, as the relight: the 150-px greyscale crops lost most.
  const edgeW = geometry && edge && opts.edgeLight > 0 && (turn > 0 || cutTurn > 0) && greySrc < 1 ? edgeLightWeight(edgeCells(edge.stretch, edge.alpha, w, h, k, cw, ch, only), geometry, faceW, k, { ...opts, edgeLight: Math.min(1, opts.edgeLight) * turn * (1 - greySrc) }, Math.min(1, opts.edgeLight) * Math.min(1, opts.edgeLightCut) * cutTurn * (1 - greySrc)) : undefined;
  const cross = grey > 0 ? greyChroma(tgt, weight, w, h, k, only, grid, gains, shifts, faceW, grey, opts) : undefined;
  const ceiling = opts.chromaCeiling > 0 ? chromaCeiling(grid, k, geometry, opts.chromaCeiling) : undefined;
  // The source's mid-band relief toward the template's, on pairs whose relief differs a lot.
  if (geometry && opts.relief > 0) reliefMatch(grid, gains, shifts, fieldL, geometry, faceW, k, opts, greySrc);
  // The source's skin lightness per cell, and where the final maps take it: each cell's reference.
  let albedoRef = opts.albedo > 0 || opts.albedoLight > 0 ? fieldL(grid.src[0], opts.albedoSigma) : undefined;
  const tone = albedoRef ? toneGate(grid, gains[0], shifts[0], albedoRef, opts.albedoGate) : 0;
  if (!(tone > 0)) albedoRef = undefined;
  if (albedoRef && opts.albedoLight > 0) lightAbout16(gains[0], shifts[0], albedoRef, tone * Math.min(1, opts.albedoLight));
  const albedo = albedoRef && opts.albedo > 0 ? albedoFields(grid, gains, shifts, opts.albedoCouple > 0 ? [0, 1, 2].map((c) => fieldL(grid.tgt[c], opts.albedoSigma)) : undefined, albedoRef, fieldL(grid.src[1], opts.albedoSigma), fieldL(grid.src[2], opts.albedoSigma), tone * Math.min(1, opts.albedo) * (1 - grey), opts, geometry, k, faceW) : undefined;
  let hot: Highlights | undefined;
  if (opts.highlights > 0) {
    // Local means (a box ≈ 4 % of the face wide) of the planes after the match, from the cells'
    // plain means through the same affine maps.
    const r = Math.max(1, Math.round(Math.max(2, Math.round(0.04 * faceW)) / k));
    const means: Highlights['means'] = [
      boxBlur(matchedMeans(grid.plain, gains, shifts, 0, undefined), cw, ch, r),
      boxBlur(matchedMeans(grid.plain, gains, shifts, 1, cross?.[0]), cw, ch, r),
      boxBlur(matchedMeans(grid.plain, gains, shifts, 2, cross?.[1]), cw, ch, r),
    ];
    hot = { means, soft: wl, strength: opts.highlights };
  }
  // neutralKeep: from the final chroma maps, so it holds whatever the steps above made of them.
  const neutral = opts.neutralKeep > 0 && grey < 1 ? neutralFields(chromaMeans, gains, shifts, Math.min(1, opts.neutralKeep) * (1 - grey)) : undefined;
  applyFields(src, gains, shifts, hot, cw, ch, k, w, h, only, cross, gloss, lightWeight, ceiling, albedo, Math.min(1, Math.max(0, opts.albedoBrowsLight)), neutral);
  if (edgeW && edge) edgeLightPixels(src, tgt, edge.alpha, edgeW, cw, ch, k, w, h, Math.max(0.5, opts.edgeLightSigma * faceW), Math.max(1, opts.edgeLightMax), Math.min(1, Math.max(0, opts.edgeLightChroma)) * (1 - grey), opts.edgeLightDetail, only);
}

// shadowLift: the eyes' openings, brows, nose and lips grown this much (face widths) keep the match.
const SHADOW_LIFT_KEEP = 0.008;
// … and cells less skin than SKIN0 (their skin weight's mean), full from SKIN1.
const SHADOW_LIFT_SKIN0 = 0.5;
const SHADOW_LIFT_SKIN1 = 0.9;
// … its per-cell maps smoothed by this σ (face widths).
const SHADOW_LIFT_SMOOTH = 0.02;

/**
 * ColourOptions.shadowLift, folded into the L maps: per cell, the source's own fine shade s = ln of
 * its coarse skin field (σ lightingSigma) over its fine one (σ shadowLiftSigma), both of L + 16; the
 * matched face's deficit d = ln of the template's fine skin field over the matched source's, less
 * the tolerance; where both are positive the cell's L + 16 mean goes up by exp(min(s, d)) (bounded),
 * as a shift (the source's freckles and pores are not amplified further), × strength × the fine
 * weight's support, outside the kept features (and the sockets' band with shadowLiftSockets); both maps smoothed at σ 0.02 face width.
 */
function shadowLiftMatch(grid: CellGrid, gain: Float32Array, shift: Float32Array, fieldL: (d: Float32Array, sigmaFw: number) => Float32Array, g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions): void {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const cellsS = grid.src[0];
  const matched = new Float32Array(nc);
  for (let i = 0; i < nc; i++) matched[i] = cellsS[i] * gain[i] + shift[i];
  const sf = fieldL(cellsS, opts.shadowLiftSigma);
  const sc = fieldL(cellsS, opts.lightingSigma);
  const mf = fieldL(matched, opts.shadowLiftSigma);
  const tf = fieldL(grid.tgt[0], opts.shadowLiftSigma);
  const tc = opts.shadowLiftRatio > 0 ? fieldL(grid.tgt[0], opts.lightingSigma) : undefined;
  const r0 = Math.log(Math.max(1, opts.shadowLiftRatio));
  const fwc = faceW / k;
  const sup = gaussBlur(wl, cw, ch, Math.max(0.5, opts.shadowLiftSigma * fwc));
  const keep = new Float32Array(nc);
  const cellPts = (ids: number[]) => pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
  for (const ids of [EYE_RIGHT, EYE_LEFT, BROW_RIGHT, BROW_LEFT, [...NOSE, 64, 294], LIPS_OUTER]) {
    fillPolygon(keep, cw, ch, growPolygon(convexHull(cellPts(ids)), SHADOW_LIFT_KEEP * fwc), 1);
  }
  const keepSoft = gaussBlur(keep, cw, ch, Math.max(0.5, 0.01 * fwc));
  if (opts.shadowLiftSockets > 0) {
    const band = new Float32Array(nc);
    for (const ids of [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT]]) fillPolygon(band, cw, ch, growPolygon(convexHull(cellPts(ids)), SOCKET_GROW * fwc), 1);
    const soft = gaussBlur(band, cw, ch, Math.max(1, SOCKET_SOFT * fwc));
    const sk = Math.min(1, opts.shadowLiftSockets);
    for (let i = 0; i < nc; i++) keepSoft[i] = Math.max(keepSoft[i], sk * Math.max(band[i], soft[i]));
  }
  const st = Math.min(1, opts.shadowLift);
  const lMax = Math.log(Math.max(1, opts.shadowLiftMax));
  const gMax = opts.shadowLiftGain > 0 ? Math.max(1, opts.shadowLiftGain) : 0;
  const from = Math.max(0, opts.shadowLiftFrom);
  const cut = new Float32Array(nc);
  const lift = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    const wgt = st * Math.min(1, Math.max(0, (sup[i] - 0.05) / 0.2)) * (1 - Math.max(keep[i], keepSoft[i]));
    if (!(wgt > 0) || !(sf[i] > -15 && sc[i] > -15 && mf[i] > -15 && tf[i] > -15)) continue;
    const s = Math.log((sc[i] + 16) / (sf[i] + 16));
    const d = Math.log((tf[i] + 16) / (mf[i] + 16)) - opts.shadowLiftTolerance;
    if (!(s > 0) || !(d > 0)) continue;
    // The gate: a shade of the source's own, where the match leaves the face darker than the template's.
    // Cells mostly skin only (a lash line or liner beside the eye, dark and not skin, keeps its darkness).
    let gs = wgt * Math.min(1, Math.max(0, (wl[i] - SHADOW_LIFT_SKIN0) / (SHADOW_LIFT_SKIN1 - SHADOW_LIFT_SKIN0))) * (from > 0 ? Math.min(1, Math.max(0, (s - from) / from)) : 1);
    // … and where the coarse match lifts the source a lot (a shaded or darker source onto a lighter template).
    if (tc) gs *= Math.min(1, Math.max(0, (Math.log((tc[i] + 16) / (sc[i] + 16)) - r0) / Math.log(1.25)));
    if (!(gs > 0)) continue;
    // The deviations' gain bounded (its amount per cell, applied below) and the mean's lift.
    if (gMax > 0 && gain[i] > gMax) cut[i] = gs * Math.min(1, d / 0.1) * (gain[i] - gMax);
    lift[i] = gs * (mf[i] + 16) * (Math.exp(Math.min(lMax, s, d)) - 1);
  }
  // Both smoothed (σ 0.02 face width): the per-cell gates switch from cell to cell, and a step in the
  // gain shows wherever pixels lie far from the fine mean (a highlight, the face's edge).
  const sm = Math.max(0.5, SHADOW_LIFT_SMOOTH * fwc);
  const cutB = gaussBlur(cut, cw, ch, sm);
  const liftB = gaussBlur(lift, cw, ch, sm);
  for (let i = 0; i < nc; i++) {
    const c = Math.min(cutB[i], Math.max(0, gain[i] - 1));
    gain[i] -= c;
    shift[i] += c * sf[i] + liftB[i];
  }
}

/**
 * ColourOptions.relief: the matched source's mid-band relief, ln (L + 16) at σ `reliefFine` less at
 * σ `reliefCoarse` (normalised blurs over skin), against the template's at the same cells; each cell's
 * L + 16 × exp(s · (template − source)), bounded, s the knob × the pair's gate.
 */
function reliefMatch(grid: CellGrid, gains: Float32Array[], shifts: Float32Array[], fieldL: (d: Float32Array, sigmaFw: number) => Float32Array, g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions, grey: number): void {
  const { cw, ch, wl } = grid;
  // A colourless source or template (greySource's weight of the greyer) is left out.
  grey = Math.max(grey, greyWeight(grid.tgt, wl));
  if (grey >= 1) return;
  const nc = wl.length;
  const fwc = faceW / k;
  // Where it acts: the oval (soft edge), the eyes with their brows and the lips (grown) left out.
  const inner = new Float32Array(nc);
  fillPolygon(inner, cw, ch, ovalScaled(g, k, RELIEF_OVAL), 1);
  const feat = new Float32Array(nc);
  for (const ids of [[...EYE_LEFT, ...BROW_LEFT], [...EYE_RIGHT, ...BROW_RIGHT], LIPS_OUTER]) {
    fillPolygon(feat, cw, ch, growPolygon(convexHull(pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number])), RELIEF_KEEP * fwc), 1);
  }
  const soft = Math.max(1, RELIEF_SOFT * fwc);
  const ib = gaussBlur(inner, cw, ch, soft);
  const fb = gaussBlur(feat, cw, ch, soft);
  const where = new Float32Array(nc);
  for (let i = 0; i < nc; i++) where[i] = Math.min(ib[i], 1 - Math.max(feat[i], fb[i]));
  const g0 = gains[0], s0 = shifts[0];
  const cs = grid.src[0], ct = grid.tgt[0];
  const lm = new Float32Array(nc);
  const lt = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    lm[i] = Math.log(Math.max(1, cs[i] * g0[i] + s0[i] + 16));
    lt[i] = Math.log(Math.max(1, ct[i] + 16));
  }
  const fm = fieldL(lm, opts.reliefFine), cm = fieldL(lm, opts.reliefCoarse);
  const ft = fieldL(lt, opts.reliefFine), ctf = fieldL(lt, opts.reliefCoarse);
  const dm = new Float32Array(nc);
  const dt = new Float32Array(nc);
  let n = 0, sd = 0;
  const lift: number[] = [];
  for (let i = 0; i < nc; i++) {
    dm[i] = fm[i] - cm[i];
    dt[i] = ft[i] - ctf[i];
    if (wl[i] > 0.5 && inner[i] > 0 && feat[i] === 0) {
      n++;
      sd += (dm[i] - dt[i]) ** 2;
      lift.push(Math.log(Math.max(1, ct[i] + 16) / Math.max(1, cs[i] + 16)));
    }
  }
  if (n < 8) return;
  // The gate: the two faces' relief differ a lot (mean square difference of the mid bands, from
  // reliefFrom to twice it) and the source is lifted onto a lighter skin (median ln of the
  // template's over the source's L + 16, from RELIEF_LIFT_FROM to twice it); a colourless source
  // (greySource's weight) is left out, as by the relight.
  const diff = (1000 * sd) / n;
  const lq = Float64Array.from(lift);
  const lifted = selectKth(lq, lq.length >> 1);
  const gate = Math.min(1, Math.max(0, (diff - opts.reliefFrom) / Math.max(1e-6, opts.reliefFrom))) * Math.min(1, Math.max(0, (lifted - RELIEF_LIFT_FROM) / RELIEF_LIFT_FROM)) * (1 - grey);
  const s = Math.min(1, opts.relief) * gate;
  if (!(s > 0)) return;
  const liftShare = Math.min(1, Math.max(0, opts.reliefLift));
  for (let i = 0; i < nc; i++) {
    if (!(where[i] > 0)) continue;
    const d = dt[i] - dm[i];
    const r = Math.min(RELIEF_MAX, Math.max(1 / RELIEF_MAX, Math.exp(s * where[i] * (d > 0 ? liftShare * d : d))));
    g0[i] *= r;
    s0[i] = s0[i] * r + 16 * (r - 1);
  }
  const sc = s * Math.min(1, Math.max(0, opts.reliefChroma));
  if (!(sc > 0)) return;
  for (let c = 1; c < 3; c++) {
    const gc = gains[c], hc = shifts[c], pc = grid.src[c], tc = grid.tgt[c];
    const mc = new Float32Array(nc);
    for (let i = 0; i < nc; i++) mc[i] = pc[i] * gc[i] + hc[i];
    const fmc = fieldL(mc, opts.reliefFine), cmc = fieldL(mc, opts.reliefCoarse);
    const ftc = fieldL(tc, opts.reliefFine), ctc = fieldL(tc, opts.reliefCoarse);
    for (let i = 0; i < nc; i++) {
      if (!(where[i] > 0)) continue;
      const d = ftc[i] - ctc[i] - (fmc[i] - cmc[i]);
      hc[i] += sc * where[i] * (dt[i] > dm[i] ? liftShare : 1) * Math.min(RELIEF_CHROMA_MAX, Math.max(-RELIEF_CHROMA_MAX, d));
    }
  }
}

/** Bound of the relief's ratio of L + 16. */
const RELIEF_MAX = 1.35;
/** Bound of the relief's shift of a and b. */
const RELIEF_CHROMA_MAX = 8;
/** The lift (median ln of the template's skin L + 16 over the source's) from which the relief starts (full at twice). */
const RELIEF_LIFT_FROM = 0.1;
/** The relief's region: the oval scaled about its centroid by this; features grown by RELIEF_KEEP face widths left out; edges blurred RELIEF_SOFT. */
const RELIEF_OVAL = 0.85;
const RELIEF_KEEP = 0.02;
const RELIEF_SOFT = 0.02;

/**
 * ColourOptions.darkCells: the skin weight of cells where the template is far darker than its own
 * coarse field (a beard, a moustache, dark stubble that passed the mask's shadowed-skin test) is
 * lowered in place (a ramp in log (L + 16) from `darkCellsFrom` to `darkCellsTo` below the field,
 * × darkCells), so the match's every statistic (both faces: the weight is shared) sees skin. Only
 * below the nose's tip (a ramp over 0.05 face width; with the mesh) and only as dark as the cell
 * mirrored across the face's midline (the line through the brow's centre, mesh 168, and the chin,
 * 152): a beard is dark on both sides, a side light's shadow on one.
 */
function darkCellsOut(grid: { cw: number; ch: number; wl: Float32Array; tgt: Float32Array[] }, sigma: number, opts: ColourOptions, g: ShadingGeometry | undefined, k: number, faceW: number, px?: { weight: Float32Array; w: number; h: number; only?: Uint8Array }): void {
  const { cw, ch, wl } = grid;
  const t = grid.tgt[0];
  const nc = cw * ch;
  const v = new Float32Array(nc);
  for (let i = 0; i < nc; i++) v[i] = t[i] + 16;
  const f = normalisedBlur(v, wl, gaussBlur(wl, cw, ch, sigma), cw, ch, sigma);
  // How far below the field (log), per cell with skin weight; 0 elsewhere.
  const dev = new Float32Array(nc);
  for (let i = 0; i < nc; i++) if (wl[i] > 0 && f[i] > 0) dev[i] = Math.max(0, -Math.log(Math.max(1e-3, v[i]) / f[i]));
  const from = Math.max(0, opts.darkCellsFrom);
  const span = Math.max(1e-3, opts.darkCellsTo - from);
  const s = Math.min(1, opts.darkCells);
  let mirror: ((x: number, y: number) => number) | undefined;
  let zone: ((x: number, y: number) => number) | undefined;
  let devBlur: Float32Array | undefined;
  if (g) {
    const cell = (i: number): [number, number] => [g.pos[i][0] / k, g.pos[i][1] / k];
    const top = cell(168), chin = cell(152), tip = cell(1);
    let ux = chin[0] - top[0], uy = chin[1] - top[1];
    const ul = Math.hypot(ux, uy) || 1;
    ux /= ul;
    uy /= ul;
    const fwc = faceW / k;
    const ds = Math.max(0.5, 0.02 * fwc);
    devBlur = normalisedBlur(dev, wl, gaussBlur(wl, cw, ch, ds), cw, ch, ds);
    zone = (x, y) => {
      const d = ((x - tip[0]) * ux + (y - tip[1]) * uy) / fwc;
      return Math.min(1, Math.max(0, d / 0.05));
    };
    mirror = (x, y) => {
      // Reflect across the midline (through `top` along u): keep the along-axis part, negate the across.
      const px = x - top[0], py = y - top[1];
      const al = px * ux + py * uy;
      const mx = top[0] + 2 * al * ux - px, my = top[1] + 2 * al * uy - py;
      const cx = Math.round(mx - 0.5), cy = Math.round(my - 0.5);
      if (cx < 0 || cy < 0 || cx >= cw || cy >= ch) return 0;
      // The mirrored place's darkness, smoothed (σ 0.02 face width: a beard's texture, and the mirror is not exact).
      return devBlur![cy * cw + cx];
    };
  }
  const beard = g && px && opts.darkCellsBeard > 0 ? keptBeardShare(px, g, cw, ch, k, faceW) : undefined;
  for (let y = 0, i = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++, i++) {
      if (!(dev[i] > from)) continue;
      const z = zone ? zone(x + 0.5, y + 0.5) : 1;
      if (!(z > 0)) continue;
      const d = mirror && opts.darkCellsMirror > 0 ? Math.min(dev[i], mirror(x + 0.5, y + 0.5)) : dev[i];
      if (!(d > from)) continue;
      const b = beard ? 1 - Math.min(1, Math.max(0, (2 * beard[i]) / opts.darkCellsBeard - 1)) : 1;
      wl[i] *= 1 - s * z * b * Math.min(1, (d - from) / span);
    }
  }
}

// darkCellsAnchor's rim, as the eval's tone steps read the face (bench/lib/realism.ts): the skin of
// the chin and jaw (next to the neck) and of the outer cheeks (next to the ears), discs of 0.04 face width.
const ANCHOR_RIM = [199, 175, 32, 262, 171, 396, 140, 369, 116, 345, 123, 352, 137, 366, 147, 376];
const ANCHOR_RIM_R = 0.04;

/**
 * ColourOptions.darkCellsAnchor: darkCells lifts the template's coarse field (`lightT`, the dark
 * cells out, against the same field with them in over `wlAll`). Where the face next to the neck and
 * ears (ANCHOR_RIM) then comes out lighter than the template's skin there (after every L match: the
 * matched source's mean L + 16 over the rim's skin cells, dark ones included, against the
 * template's), that share of the lift is taken back everywhere: per cell lift^−(s·a), a = ln(excess)
 * ÷ the rim's mean ln(lift), within [0, 1]; so never below the match without the lift, and nothing
 * where the face comes out darker. Undefined when nothing is taken back.
 */
function anchorLift(lightT: Float32Array, cellsT: Float32Array, cellsS: Float32Array, gain: Float32Array, shift: Float32Array, wlAll: Float32Array, cw: number, ch: number, sigma: number, g: ShadingGeometry, k: number, faceW: number, s: number): Float32Array | undefined {
  const nc = cw * ch;
  const before = normalisedBlur(cellsT, wlAll, gaussBlur(wlAll, cw, ch, sigma), cw, ch, sigma);
  const lift = new Float32Array(nc).fill(1);
  for (let i = 0; i < nc; i++) if (before[i] > 2 && lightT[i] > before[i]) lift[i] = lightT[i] / before[i];
  const rim = new Uint8Array(nc);
  const rr = (ANCHOR_RIM_R * faceW) / k;
  for (const id of ANCHOR_RIM) {
    const cx = g.pos[id][0] / k, cy = g.pos[id][1] / k;
    for (let y = Math.max(0, Math.floor(cy - rr)); y <= Math.min(ch - 1, Math.ceil(cy + rr)); y++)
      for (let x = Math.max(0, Math.floor(cx - rr)); x <= Math.min(cw - 1, Math.ceil(cx + rr)); x++)
        if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= rr * rr) rim[y * cw + x] = 1;
  }
  let sw = 0, sm = 0, st = 0, sl = 0;
  for (let i = 0; i < nc; i++) {
    const wt = wlAll[i];
    if (!rim[i] || !(wt > 0)) continue;
    sw += wt;
    sm += wt * (cellsS[i] * gain[i] + shift[i] + 16);
    st += wt * (cellsT[i] + 16);
    sl += wt * Math.log(lift[i]);
  }
  if (!(sw > 0) || !(st > 0) || !(sl > 1e-4 * sw)) return undefined;
  const over = Math.log(sm / st);
  if (!(over > 0)) return undefined;
  const a = Math.min(1, over / (sl / sw)) * s;
  const r = new Float32Array(nc);
  for (let i = 0; i < nc; i++) r[i] = Math.pow(lift[i], -a);
  return r;
}

/**
 * ColourOptions.darkCellsBeard: per cell, the share of a neighbourhood (σ 0.03 face width) that is
 * the template's kept non-skin, its most within 0.04 face width of the cell: covered pixels in
 * neither statistic (weight 0), in cells below the nose (0.05 face width under its tip), outside
 * the lips (their outer contour grown by 0.03) and at least 0.03 face width inside the covered
 * area (not the warped face's rim).
 */
function keptBeardShare(px: { weight: Float32Array; w: number; h: number; only?: Uint8Array }, g: ShadingGeometry, cw: number, ch: number, k: number, faceW: number): Float32Array {
  const { weight, w, h, only } = px;
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const cov = new Float32Array(nc);
  const held = new Float32Array(nc);
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + ((x / k) | 0);
      cnt[c]++;
      if (only && !only[i]) continue;
      cov[c]++;
      if (!(weight[i] > 0)) held[c]++;
    }
  }
  const fwc = faceW / k;
  const r = Math.max(1, Math.round(0.03 * fwc));
  // Fully covered cells, eroded by r (a box): the rim of the warped face is not a beard.
  const full = new Uint8Array(nc);
  for (let c = 0; c < nc; c++) full[c] = cnt[c] > 0 && cov[c] >= cnt[c] ? 1 : 0;
  const inner = new Uint8Array(nc);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    let ok = 1;
    for (let dy = -r; dy <= r && ok; dy++) for (let dx = -r; dx <= r; dx++) {
      const yy = y + dy, xx = x + dx;
      if (yy < 0 || xx < 0 || yy >= ch || xx >= cw || !full[yy * cw + xx]) { ok = 0; break; }
    }
    inner[y * cw + x] = ok;
  }
  const lips = new Float32Array(nc);
  fillPolygon(lips, cw, ch, growPolygon(pick(g.pos, LIPS_OUTER).map(([x, y]) => [x / k, y / k] as [number, number]), 0.03 * fwc), 1);
  const top = [g.pos[168][0] / k, g.pos[168][1] / k], chin = [g.pos[152][0] / k, g.pos[152][1] / k], tip = [g.pos[1][0] / k, g.pos[1][1] / k];
  let ux = chin[0] - top[0], uy = chin[1] - top[1];
  const ul = Math.hypot(ux, uy) || 1;
  ux /= ul;
  uy /= ul;
  const share = new Float32Array(nc);
  for (let y = 0, c = 0; y < ch; y++) for (let x = 0; x < cw; x++, c++) {
    if (!inner[c] || lips[c] > 0) continue;
    if (((x + 0.5 - tip[0]) * ux + (y + 0.5 - tip[1]) * uy) / fwc < 0.05) continue;
    share[c] = held[c] / cov[c];
  }
  // The share around each cell (σ 0.03), then its most within 0.04 face width (a box, separable):
  // the shaded band beside the beard's edge reads the edge's share.
  const soft = gaussBlur(share, cw, ch, Math.max(0.5, 0.03 * fwc));
  const d = Math.max(1, Math.round(0.04 * fwc));
  const row = new Float32Array(nc);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    let m = 0;
    for (let xx = Math.max(0, x - d); xx <= Math.min(cw - 1, x + d); xx++) m = Math.max(m, soft[y * cw + xx]);
    row[y * cw + x] = m;
  }
  const out = new Float32Array(nc);
  for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) {
    let m = 0;
    for (let yy = Math.max(0, y - d); yy <= Math.min(ch - 1, y + d); yy++) m = Math.max(m, row[yy * cw + x]);
    out[y * cw + x] = m;
  }
  return out;
}

/**
 * How far apart the two skins are, lighting aside. Over skin cells, the medians of ln (matched ÷
 * source L + 16) (lq: the match's lift) and of ln (template ÷ source chromaticity magnitude,
 * √(a² + b²) ÷ (L + 16)) (lc). A darker skin is both darker and more colourful (melanin); more
 * light or a brighter exposure moves lq alone, a colour cast or saturation lc alone. So the gate
 * reads min(|lq|, |lc| ÷ 2) where they have opposite signs, through a smoothstep from `from` to
 * twice it (1 when `from` is 0); 0 when either face is colourless.
 */
function toneGate(grid: { src: Float32Array[]; tgt: Float32Array[]; wl: Float32Array }, gain: Float32Array, shift: Float32Array, ref: Float32Array, from: number): number {
  if (!(from > 0)) return 1;
  const { src, tgt, wl } = grid;
  const q: number[] = [];
  const c: number[] = [];
  for (let i = 0; i < wl.length; i++) {
    if (!(wl[i] > 0.5) || !(ref[i] > 0)) continue;
    q.push(Math.log(Math.max(1, gain[i] * ref[i] + shift[i] + 16) / (ref[i] + 16)));
    const cs = Math.hypot(src[1][i], src[2][i]) / (src[0][i] + 16);
    const ct = Math.hypot(tgt[1][i], tgt[2][i]) / (tgt[0][i] + 16);
    if (cs > 0.01 && ct > 0.01) c.push(Math.log(ct / cs));
  }
  if (q.length < 8 || c.length < 8) return 0;
  const med = (v: number[]) => selectKth(Float64Array.from(v), v.length >> 1);
  const lq = med(q), lc = med(c);
  const m = lq * lc < 0 ? Math.min(Math.abs(lq), Math.abs(lc) / 2) : 0;
  return ramp(m, from, 2 * from) * (1 - greyWeight(src, wl)) * (1 - greyWeight(tgt, wl));
}

/**
 * The L maps re-pivoted: a cell keeps what its map gives its skin lightness `ref`, but its slope
 * becomes the ratio of L + 16 there (share `s` of the way), so darker and brighter pixels keep the
 * source's ratios of linear light to that skin, not its ratios of L* (which deepen a dark source's
 * shadows, nostrils and sockets when its skin is lifted).
 */
function lightAbout16(gain: Float32Array, shift: Float32Array, ref: Float32Array, s: number): void {
  for (let i = 0; i < gain.length; i++) {
    const r = ref[i];
    if (!(r > 0)) continue;
    const t = gain[i] * r + shift[i];
    const g = gain[i] + s * (Math.max(0, t + 16) / (r + 16) - gain[i]);
    gain[i] = g;
    shift[i] = t - g * r;
  }
}

/**
 * Per cell, for the pixel pass: the source's skin lightness + 16 and its matched value + 16, the
 * source's skin chromaticity (a, b ÷ (L + 16)) and its matched one, the chromaticity gain, the
 * strength, and the brows' weight.
 */
function albedoFields(grid: { cw: number; ch: number; wl: Float32Array; src: Float32Array[]; tgt: Float32Array[] }, gains: Float32Array[], shifts: Float32Array[], refT: Float32Array[] | undefined, refL: Float32Array, refA: Float32Array, refB: Float32Array, s: number, opts: ColourOptions, geometry: ShadingGeometry | undefined, k: number, faceW: number): Float32Array[] | undefined {
  if (!(s > 0)) return undefined;
  const n = refL.length;
  // Rows 12–15 (the coupling's) only with albedoCouple: the pixel pass reads them when present.
  const out = Array.from({ length: refT ? 16 : 12 }, () => new Float32Array(n));
  const [rs, rt, csa, csb, cta, ctb, gc, st, fb, fs, ft, fw, ksa, ksb, kta, ktb] = out;
  const lumY = (lp: number) => (lp / 116) ** 3;
  const gmax = Math.max(1, opts.albedoGainMax);
  for (let i = 0; i < n; i++) {
    const r = refL[i];
    if (!(r > 0)) continue;
    rs[i] = r + 16;
    // The maps hold at the source's skin lightness here: its chromaticity there, and the one they
    // give it at its matched lightness.
    rt[i] = Math.max(1, gains[0][i] * r + shifts[0][i] + 16);
    csa[i] = refA[i] / rs[i];
    csb[i] = refB[i] / rs[i];
    cta[i] = (gains[1][i] * refA[i] + shifts[1][i]) / rt[i];
    ctb[i] = (gains[2][i] * refB[i] + shifts[2][i]) / rt[i];
    // Skin's chromaticity ratios (a shadow's richer colour, a blush) scale with the skin's own: a
    // deviation is relative to how colourful the skin is. Bounded near neutral skin.
    gc[i] = Math.min(gmax, Math.max(1 / gmax, (Math.hypot(cta[i], ctb[i]) + 0.02) / (Math.hypot(csa[i], csb[i]) + 0.02)));
    st[i] = s;
    fs[i] = opts.albedoFill * lumY(rs[i]);
    ft[i] = opts.albedoFill * lumY(rt[i]);
  }
  if (refT) {
    // Each face's coupling of chromaticity to lightness over its skin; the source's is taken out
    // (at its gain), the template's put in.
    const u = Math.min(1, opts.albedoCouple);
    const bs = [1, 2].map((c) => chromaCoupling(grid.src, [refL, refA, refB], c, grid.wl));
    const bt = [1, 2].map((c) => chromaCoupling(grid.tgt, refT, c, grid.wl));
    for (let i = 0; i < n; i++) {
      ksa[i] = u * gc[i] * csa[i] * bs[0];
      ksb[i] = u * gc[i] * csb[i] * bs[1];
      kta[i] = u * cta[i] * bt[0];
      ktb[i] = u * ctb[i] * bt[1];
    }
  }
  if (geometry && opts.albedoFill > 0) {
    // The fill is skin's: eyes (pupils, lashes), brows and lips (the mouth's inside) keep theirs.
    const { cw, ch } = grid;
    const fwc = faceW / k;
    for (const ids of [EYE_RIGHT, EYE_LEFT, BROW_RIGHT, BROW_LEFT, LIPS_OUTER]) {
      const part = pick(geometry.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
      fillPolygon(fw, cw, ch, growPolygon(convexHull(part), 0.01 * fwc), 1);
    }
    const soft = boxBlur(fw, cw, ch, Math.max(1, Math.round(0.008 * fwc)));
    for (let i = 0; i < n; i++) fw[i] = 1 - soft[i];
  }
  if (geometry && opts.albedoBrows > 0) {
    const { cw, ch } = grid;
    const fwc = faceW / k;
    for (const ids of [BROW_RIGHT, BROW_LEFT]) {
      const brow = pick(geometry.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
      fillPolygon(fb, cw, ch, growPolygon(convexHull(brow), 0.008 * fwc), 1);
    }
    const soft = boxBlur(fb, cw, ch, Math.max(1, Math.round(0.006 * fwc)));
    for (let i = 0; i < n; i++) fb[i] = Math.min(1, opts.albedoBrows) * soft[i];
  }
  return out;
}

/**
 * β of chroma plane c in chromaticity: least squares over skin cells of the relative deviation of
 * a ÷ (L + 16) from its local mean on the relative deviation of L + 16, bounded to [−3, 1].
 */
function chromaCoupling(cells: Float32Array[], ref: Float32Array[], c: number, wt: Float32Array): number {
  let sxy = 0, sxx = 0;
  for (let i = 0; i < wt.length; i++) {
    if (!(wt[i] > 0.5) || !(ref[0][i] > 0)) continue;
    const m = ref[c][i] / (ref[0][i] + 16);
    if (Math.abs(m) < 0.03) continue;
    const x = (cells[0][i] + 16) / (ref[0][i] + 16) - 1;
    if (Math.abs(x) > 0.4) continue;
    sxy += wt[i] * x * (cells[c][i] / (cells[0][i] + 16) / m - 1);
    sxx += wt[i] * x * x;
  }
  return sxx > 0 ? Math.min(1, Math.max(-3, sxy / sxx)) : 0;
}

// Shine: Lab lightness ↔ relative luminance Y = ((L + 16) / 116)³. Diffuse light scaled by s gives
// Y·s and chroma ·s^⅓ (each of X, Y, Z scales); white light added gives Y + w and leaves the
// channels' differences, so chroma falls as Y^−⅔. A pixel of luminance ratio u to its diffuse
// surroundings and chroma ratio ρ is then diffuse ·k, k = ρ·u^⅔, plus white: a share
// f = 1 − ρ·u^−⅓ of its luminance. Cells count as shine from f = SHINE_F0 (full at SHINE_F1) and
// from u = SHINE_U0 (full at SHINE_U1): skin's own colour varies by some percent, so small f and
// skin no brighter than around are left.
const SHINE_F0 = 0.05;
const SHINE_F1 = 0.15;
const SHINE_U0 = 1.03;
const SHINE_U1 = 1.12;
// The surroundings' chroma must be measurable (greyscale or nearly: no shine read; 4 → 8).
const SHINE_C0 = 4;
const SHINE_C1 = 8;
// Per pixel, chroma under this share of the surroundings' (eye whites, teeth, a clipped spot) is
// not skin with shine on it: no removal below SHINE_P0, full from SHINE_P1 (the hot spots take
// clipped spots). Pixels of the light mask (skin, not eyes or lips) pass whatever their chroma.
const SHINE_P0 = 0.1;
const SHINE_P1 = 0.25;
// At most this share of a pixel's luminance is taken out.
const SHINE_MAX = 0.6;
// Mean share of the skin's luminance read as shine from which a face counts as shiny (none below
// SHINE_FACE0, full from SHINE_FACE1). Tune split: matte photos 0.5–0.8 %, shiny ones 5–16 %.
const SHINE_FACE0 = 0.01;
const SHINE_FACE1 = 0.025;
// σ of the shine weight's soft edge, fraction of the face width.
const SHINE_SOFT = 0.025;
// Share of the removal that follows each pixel's own excess; the rest is the cells' smooth excess.
const SHINE_DETAIL = 0.8;
// Share of the shine weight by which the freed pixel's chroma is drawn to the surroundings' skin colour.
const SHINE_PULL = 1;
// The diffuse level under shine is at least this share of the surroundings' (luminance).
const SHINE_FLOOR = 0.95;

interface Shine {
  /**
   * Per cell: the shine weight (× strength × skin share), the diffuse luminance, the surroundings'
   * chroma magnitude, and their chroma over the cube root of their luminance (the skin colour at
   * luminance Y is (ac, bc)·Y^⅓).
   */
  w: Float32Array;
  d: Float32Array;
  /** The cells' excess over the diffuse level as a share of their luminance, weighted and smooth (the part of the removal that scales each pixel). */
  s: Float32Array;
  cr: Float32Array;
  ac: Float32Array;
  bc: Float32Array;
}

const ramp = (v: number, a: number, b: number) => (v <= a ? 0 : v >= b ? 1 : ((v - a) / (b - a)) ** 2 * (3 - 2 * (v - a) / (b - a)));

/**
 * The source's broad shine (ColourOptions.shine): per cell, how much of it is white light over
 * diffuse skin and the diffuse level under it, against a robust skin mean at σ = shineSigma (cells
 * read as shine leave that mean, twice over, so a sheet of shine wider than σ is still measured
 * against the matte skin around; that mean is found on a grid twice as coarse, its blurs a quarter
 * of the cost). The source's cells (skin and plain means) are freed of it here; applyFields() frees
 * the pixels. Undefined when the face has no shine (its pixels then stay exactly as they were).
 */
function shineField(grid: { cw: number; ch: number; wl: Float32Array; src: Float32Array[]; plain: Float32Array[] }, k: number, faceW: number, opts: ColourOptions): Shine | undefined {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const [L, A, B] = grid.src;
  const y = new Float32Array(nc);
  for (let i = 0; i < nc; i++) y[i] = wl[i] > 0 ? lum(L[i]) : 0;
  const M = 2;
  const qw = Math.ceil(cw / M), qh = Math.ceil(ch / M), nq = qw * qh;
  const q = coarsen([y, A, B], wl, cw, ch, M, qw, qh);
  const sigma = (opts.shineSigma * faceW) / k / M;
  const w = new Float32Array(nq);
  const d = new Float32Array(nq);
  let wt = q.wl;
  let ref: Float32Array[] = [];
  for (let it = 0; it < 3; it++) {
    const wb = gaussBlur(wt, qw, qh, sigma);
    ref = q.v.map((v) => normalisedBlur(v, wt, wb, qw, qh, sigma));
    if (it === 2) break;
    shineCells(q.v[0], q.v[1], q.v[2], q.wl, ref[0], ref[1], ref[2], w, d);
    const next = new Float32Array(nq);
    for (let i = 0; i < nq; i++) next[i] = q.wl[i] * (1 - w[i]);
    wt = next;
  }
  const [yr, ar, br] = ref.map((r) => upsample(r, qw, qh, M, cw, ch));
  const wf = new Float32Array(nc);
  const df = new Float32Array(nc);
  shineCells(y, A, B, wl, yr, ar, br, wf, df);
  // The share of each cell's luminance read as shine, and its mean over the skin: a face with a
  // few glints (the hot spots' business) or none is left exactly as it was, a shiny one gets the
  // full strength (SHINE_FACE0 → SHINE_FACE1).
  const ex = new Float32Array(nc);
  let sum = 0, sumW = 0;
  for (let i = 0; i < nc; i++) {
    ex[i] = y[i] > 0 ? (wf[i] * Math.max(0, y[i] - df[i])) / y[i] : 0;
    sum += wl[i] * ex[i];
    sumW += wl[i];
  }
  const face = ramp(sumW > 0 ? sum / sumW : 0, SHINE_FACE0, SHINE_FACE1);
  if (!(face > 0)) return undefined;
  // A soft, wide edge: the weight blurred over SHINE_SOFT of the face width, the diffuse level
  // spread over twice that (it is read from each cell's chroma, which is noisy: a finer field would
  // print that noise on the skin as blotches).
  const soft = Math.max(1, (SHINE_SOFT * faceW) / k);
  const wb = gaussBlur(wf, cw, ch, soft);
  const db = normalisedBlur(df, wf, gaussBlur(wf, cw, ch, 2 * soft), cw, ch, 2 * soft);
  const sb = gaussBlur(ex, cw, ch, soft);
  const cr = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    // Only over skin (the cells' share of it: not the eye whites, teeth, hair next to a shiny cheek).
    const g = face * opts.shine * Math.min(1, 2 * wl[i]);
    wb[i] *= g;
    sb[i] *= g;
    cr[i] = Math.hypot(ar[i], br[i]);
    const c = Math.cbrt(Math.max(1e-4, yr[i]));
    ar[i] /= c;
    br[i] /= c;
  }
  const field: Shine = { w: wb, d: db, s: sb, cr, ac: ar, bc: br };
  // The skin means are of skin; the plain ones of anything (an eye white's share keeps its gate).
  deshineCells(grid.src, field, 1);
  deshineCells(grid.plain, field, 0);
  return field;
}

/** Weighted means of planes over blocks of m × m cells, and the blocks' mean weight. */
function coarsen(planes: Float32Array[], wt: Float32Array, cw: number, ch: number, m: number, qw: number, qh: number): { wl: Float32Array; v: Float32Array[] } {
  const nq = qw * qh;
  const sw = new Float32Array(nq);
  const cnt = new Float32Array(nq);
  const v = planes.map(() => new Float32Array(nq));
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = y * cw + x;
      const o = ((y / m) | 0) * qw + ((x / m) | 0);
      cnt[o]++;
      const u = wt[i];
      if (!(u > 0)) continue;
      sw[o] += u;
      for (let c = 0; c < planes.length; c++) v[c][o] += u * planes[c][i];
    }
  }
  for (let o = 0; o < nq; o++) {
    for (let c = 0; c < planes.length; c++) v[c][o] = sw[o] > 0 ? v[c][o] / sw[o] : 0;
    sw[o] /= cnt[o] || 1;
  }
  return { wl: sw, v };
}

/** A coarse grid (blocks of m cells) back on the cells, bilinear between block centres. */
function upsample(g: Float32Array, qw: number, qh: number, m: number, cw: number, ch: number): Float32Array {
  const out = new Float32Array(cw * ch);
  const tx = bilinearTaps(cw, qw, m);
  const ty = bilinearTaps(ch, qh, m);
  for (let y = 0; y < ch; y++) {
    const r0 = ty.i0[y] * qw, r1 = ty.i1[y] * qw, t = ty.t[y];
    for (let x = 0; x < cw; x++) {
      const a = g[r0 + tx.i0[x]] + (g[r0 + tx.i1[x]] - g[r0 + tx.i0[x]]) * tx.t[x];
      const b = g[r1 + tx.i0[x]] + (g[r1 + tx.i1[x]] - g[r1 + tx.i0[x]]) * tx.t[x];
      out[y * cw + x] = a + (b - a) * t;
    }
  }
  return out;
}

function lum(l: number): number {
  const t = (l + 16) / 116;
  return t * t * t;
}

/** Per cell: the shine weight w (0..1) and the diffuse luminance d under it, given the surroundings' luminance and chroma (yr, ar, br). */
function shineCells(y: Float32Array, A: Float32Array, B: Float32Array, wl: Float32Array, yr: Float32Array, ar: Float32Array, br: Float32Array, w: Float32Array, d: Float32Array): void {
  for (let i = 0; i < y.length; i++) {
    const c2 = ar[i] * ar[i] + br[i] * br[i];
    w[i] = 0;
    d[i] = 0;
    if (!(wl[i] > 0) || !(yr[i] > 0.005) || !(y[i] > 0)) continue;
    const u = y[i] / yr[i];
    const rho = (A[i] * ar[i] + B[i] * br[i]) / Math.max(1e-6, c2);
    const f = 1 - Math.max(0, rho) / Math.cbrt(u);
    const g = ramp(f, SHINE_F0, SHINE_F1) * ramp(u, SHINE_U0, SHINE_U1) * ramp(Math.sqrt(c2), SHINE_C0, SHINE_C1);
    if (!(g > 0)) continue;
    w[i] = g;
    // Never below the surroundings' level: a coloured (bluish) flash pales chroma more than white
    // would, and the model's diffuse share would then be too dark.
    d[i] = Math.max(SHINE_FLOOR * yr[i], y[i] * (1 - f));
  }
}

/** The cells' means (L, a, b) freed of the shine, as applyFields() frees pixels (deshine()). */
function deshineCells(cells: Float32Array[], s: Shine, skin: number): void {
  const [L, A, B] = cells;
  const out = new Float64Array(3);
  for (let i = 0; i < L.length; i++) {
    if (!(s.w[i] > 0) || !(L[i] > 0)) continue;
    if (!deshine(L[i], A[i], B[i], s.w[i], s.d[i], s.s[i], s.cr[i], s.ac[i], s.bc[i], skin, out)) continue;
    L[i] = out[0];
    A[i] = out[1];
    B[i] = out[2];
  }
}

/**
 * One pixel (l, a, b) freed of shine, given the fields at it (Shine): weight sw, diffuse luminance
 * dv, smooth excess share sv, the surroundings' chroma magnitude cr and skin colour per Y^⅓ (ac, bc).
 * Where the pixel is skin (`skin`, the light mask) or keeps some of the skin's chroma (not an eye
 * white, teeth), it loses SHINE_DETAIL × its share sw of its own luminance above dv (the sheet's
 * hard rim goes with it) and the rest as the cells' smooth share sv of its luminance (its pores keep
 * their contrast), at most SHINE_MAX of its luminance; the chroma the white washed out returns
 * (× (Y / Y')^⅔) and is drawn toward the skin colour at the new luminance (a bluish flash leaves no
 * lavender patch). Writes `out` and returns true when the pixel changes.
 */
function deshine(l: number, a: number, b: number, sw: number, dv: number, sv: number, cr: number, ac: number, bc: number, skin: number, out: Float64Array): boolean {
  const t0 = (l + 16) / 116;
  const yv = t0 * t0 * t0;
  const ex = yv - dv;
  if (!(ex > 0 || sv > 0) || !(cr > 0)) return false;
  let p = 1;
  if (skin < 1) {
    const rc = Math.sqrt(a * a + b * b) / cr;
    const r = rc <= SHINE_P0 ? 0 : rc >= SHINE_P1 ? 1 : (rc - SHINE_P0) / (SHINE_P1 - SHINE_P0);
    p = Math.max(skin, r * r * (3 - 2 * r));
    if (!(p > 0)) return false;
  }
  const rm = p * (SHINE_DETAIL * sw * Math.max(0, ex) + (1 - SHINE_DETAIL) * sv * yv);
  const t1 = Math.cbrt(yv - Math.min(SHINE_MAX * yv, rm));
  const g = (t0 / t1) * (t0 / t1);
  const q = SHINE_PULL * sw * p;
  out[0] = 116 * t1 - 16;
  out[1] = a * g + q * (ac * t1 - a * g);
  out[2] = b * g + q * (bc * t1 - b * g);
  return true;
}

/** 0..1: how colourless the source's skin is (median chroma of its skin cells, GREY_NONE → GREY_FULL). */
function greyWeight(cells: Float32Array[], wl: Float32Array): number {
  // The chromas are gathered by a kernel taking the two planes (the cell lists come in two shapes,
  // and a loop reading them was deoptimised: "wrong map").
  const c = new Float64Array(wl.length);
  const m = skinChromas(cells[1]!, cells[2]!, wl, c);
  if (m < 8) return 0;
  return greyOfChroma(selectKth(c.subarray(0, m), m >> 1));
}

/** hypot(a, b) of the cells where wl > 0.5, into out; returns their count. */
function skinChromas(a: Float32Array, b: Float32Array, wl: Float32Array, out: Float64Array): number {
  let m = 0;
  for (let i = 0; i < wl.length; i++) if (wl[i] > 0.5) out[m++] = Math.hypot(a[i], b[i]);
  return m;
}

/** 0..1: how colourless a skin of this (median) chroma is: none from GREY_NONE up, full from GREY_FULL down. */
export function greyOfChroma(chroma: number): number {
  return Math.min(1, Math.max(0, (GREY_NONE - chroma) / (GREY_NONE - GREY_FULL)));
}

/**
 * The chroma of a colourless source (ColourOptions.greySource), folded into the per-cell maps with
 * weight `g`. The template's chroma over plain skin (skin in both faces: neither face's features)
 * is first freed of its own light: per channel, its relative deviation from the local mean at the
 * chroma σ is fitted on the relative lightness deviation (β; shiny skin is paler, shadows less
 * yellow) and divided out, so a template's specular highlight does not land as a grey patch on the
 * source's matte skin. That diffuse chroma, blurred at σ = greySigma, then takes the source's light:
 * a = f·(1 + β·(l / Lc − 1)), with l the matched lightness and Lc its local skin mean. The last
 * term is linear in l: a per-cell factor (the cross term) that applyFields() multiplies by each
 * pixel's matched lightness. a = (1 − g)·(the match so far) + g·that.
 */
function greyChroma(
  tgt: Float32Array[],
  weight: Float32Array,
  w: number,
  h: number,
  k: number,
  only: Uint8Array | undefined,
  grid: { cw: number; ch: number; src: Float32Array[]; wl: Float32Array },
  gains: Float32Array[],
  shifts: Float32Array[],
  faceW: number,
  g: number,
  opts: ColourOptions,
): [Float32Array, Float32Array] {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const t = skinCells(tgt, weight, w, h, k, cw, ch, only);
  const sc = (opts.chromaSigma * faceW) / k;
  const sf = (opts.greySigma * faceW) / k;
  const wbc = gaussBlur(t.wt, cw, ch, sc);
  // The template's relative lightness deviation per cell, from its skin mean at the chroma σ.
  const tlc = normalisedBlur(t.cells[0], t.wt, wbc, cw, ch, sc);
  const xt = new Float32Array(nc);
  for (let i = 0; i < nc; i++) xt[i] = tlc[i] > 5 && t.wt[i] > 0 ? t.cells[0][i] / tlc[i] - 1 : 0;
  // Its shine (cells ≥ GREY_SHINE brighter than that mean) is left out of the fine field, which
  // fills it from the skin around: a highlight's pale chroma belongs to the template's light.
  const wf = new Float32Array(nc);
  for (let i = 0; i < nc; i++) wf[i] = t.wt[i] * Math.min(1, Math.max(0, (GREY_SHINE - xt[i]) / GREY_SHINE + 1));
  const wbf = gaussBlur(wf, cw, ch, sf);
  // The source's matched lightness: its skin mean at the chroma σ.
  const ms = new Float32Array(nc);
  for (let i = 0; i < nc; i++) ms[i] = grid.src[0][i] * gains[0][i] + shifts[0][i];
  const wlb = gaussBlur(wl, cw, ch, sc);
  const lc = normalisedBlur(ms, wl, wlb, cw, ch, sc);
  const cross: [Float32Array, Float32Array] = [new Float32Array(nc), new Float32Array(nc)];
  for (let c = 1; c < 3; c++) {
    const tc = normalisedBlur(t.cells[c], t.wt, wbc, cw, ch, sc);
    const beta = opts.greyCouple * coupling(t.cells[c], tc, xt, t.wt);
    const diffuse = new Float32Array(nc);
    for (let i = 0; i < nc; i++) diffuse[i] = t.cells[c][i] / Math.min(1.5, Math.max(0.5, 1 + beta * xt[i]));
    const f = normalisedBlur(diffuse, wf, wbf, cw, ch, sf);
    greyMaps(gains[c], shifts[c], cross[c - 1], f, wbf, lc, t.wt, g, beta);
  }
  return cross;
}

/**
 * β of one chroma plane: least squares of the skin cells' relative deviation from the local mean
 * (v / m − 1) on their relative lightness deviation x, bounded to [−1, 0.5].
 */
function coupling(v: Float32Array, m: Float32Array, x: Float32Array, wt: Float32Array): number {
  let sxy = 0, sxx = 0;
  for (let i = 0; i < v.length; i++) {
    if (!(wt[i] > 0.5) || Math.abs(m[i]) < 2 || Math.abs(x[i]) > 0.5) continue;
    sxy += wt[i] * x[i] * (v[i] / m[i] - 1);
    sxx += wt[i] * x[i] * x[i];
  }
  return sxx > 0 ? Math.min(0.5, Math.max(-1, sxy / sxx)) : 0;
}

/** One chroma plane's maps: (1 − g')·(gain, shift) + g'·(f·(1 − β'), cross f·β'/lc), g' faded where the template has no skin near, β' over features. */
function greyMaps(gain: Float32Array, shift: Float32Array, cross: Float32Array, f: Float32Array, wb: Float32Array, lc: Float32Array, wt: Float32Array, g: number, beta: number): void {
  for (let i = 0; i < gain.length; i++) {
    const gi = g * Math.min(1, wb[i] / 0.1);
    const b = lc[i] > 5 ? beta * Math.min(1, 2 * wt[i]) : 0;
    gain[i] *= 1 - gi;
    shift[i] = (1 - gi) * shift[i] + gi * f[i] * (1 - b);
    cross[i] = b !== 0 ? (gi * f[i] * b) / lc[i] : 0;
  }
}

/** Per cell of side k: the weight's mean and each plane's weighted mean. */
function skinCells(planes: Float32Array[], weight: Float32Array, w: number, h: number, k: number, cw: number, ch: number, only?: Uint8Array) {
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const wt = new Float32Array(nc);
  const cells = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  const [p0, p1, p2] = planes;
  const [c0, c1, c2] = cells;
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + col[x];
      cnt[c]++;
      const v = weight[i];
      if (!(v > 0) || (only && !only[i])) continue;
      wt[c] += v;
      c0[c] += v * p0[i];
      c1[c] += v * p1[i];
      c2[c] += v * p2[i];
    }
  }
  for (let c = 0; c < nc; c++) {
    if (wt[c] > 0) for (let q = 0; q < 3; q++) cells[q][c] /= wt[c];
    wt[c] /= cnt[c] || 1;
  }
  return { wt, cells };
}

/** Per cell of side k: the mean weight, the weighted means of each plane of both faces, the plain means of the source's. */
function cellMeans(src: Float32Array[], tgt: Float32Array[], weight: Float32Array, w: number, h: number, k: number, only?: Uint8Array) {
  const cw = Math.ceil(w / k);
  const ch = Math.ceil(h / k);
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const sw = new Float32Array(nc);
  const [sL, sA, sB, tL, tA, tB, pL, pA, pB] = Array.from({ length: 9 }, () => new Float32Array(nc));
  const [s0, s1, s2] = src;
  const [t0, t1, t2] = tgt;
  const col = new Int32Array(w);
  for (let x = 0; x < w; x++) col[x] = (x / k) | 0;
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + col[x];
      cnt[c]++;
      if (only && !only[i]) {
        // Outside the cover both faces' planes are 0: only the weight adds up.
        if (weight[i] > 0) sw[c] += weight[i];
        continue;
      }
      const l = s0[i], a = s1[i], b = s2[i];
      pL[c] += l;
      pA[c] += a;
      pB[c] += b;
      const wt = weight[i];
      if (!(wt > 0)) continue;
      sw[c] += wt;
      sL[c] += wt * l;
      sA[c] += wt * a;
      sB[c] += wt * b;
      tL[c] += wt * t0[i];
      tA[c] += wt * t1[i];
      tB[c] += wt * t2[i];
    }
  }
  const s = [sL, sA, sB];
  const t = [tL, tA, tB];
  const plain = [pL, pA, pB];
  for (let c = 0; c < nc; c++) {
    const n = cnt[c] || 1;
    const has = sw[c] / n > 1e-4;
    for (let q = 0; q < 3; q++) {
      s[q][c] = has ? s[q][c] / sw[c] : 0;
      t[q][c] = has ? t[q][c] / sw[c] : 0;
      plain[q][c] /= n;
    }
    sw[c] /= n;
  }
  return { cw, ch, wl: sw, src: s, tgt: t, plain };
}

/**
 * Per cell of side k, for lowerFaceMatch() only (a pass of its own, not paid with the knob off):
 * both faces' means over the covered pixels (`only`), and the covered share of the cell (`cov`).
 */
function coveredMeans(src: Float32Array[], tgt: Float32Array[], w: number, h: number, k: number, only?: Uint8Array) {
  const cw = Math.ceil(w / k);
  const ch = Math.ceil(h / k);
  const nc = cw * ch;
  const cnt = new Float32Array(nc);
  const cov = new Float32Array(nc);
  const covS = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  const covT = [new Float32Array(nc), new Float32Array(nc), new Float32Array(nc)];
  for (let q = 0; q < 3; q++) coveredSums(src[q]!, tgt[q]!, covS[q]!, covT[q]!, q === 0 ? cnt : undefined, q === 0 ? cov : undefined, w, h, k, cw, only);
  for (let c = 0; c < nc; c++) {
    const m = cov[c] || 1;
    for (let q = 0; q < 3; q++) {
      covS[q]![c]! /= m;
      covT[q]![c]! /= m;
    }
    cov[c] /= cnt[c] || 1;
  }
  return { cw, ch, covS, covT, cov };
}

/**
 * Sums of one plane of each face over the covered pixels of each cell (and, when given, the cells'
 * pixel and covered counts); over the pixel rows y0..y1 and columns x0..x1 (exclusive ends) only
 * when given, whole cells.
 */
function coveredSums(s: Float32Array, t: Float32Array, sSum: Float32Array, tSum: Float32Array, cnt: Float32Array | undefined, cov: Float32Array | undefined, w: number, h: number, k: number, cw: number, only?: Uint8Array, rect?: { x0: number; y0: number; x1: number; y1: number }): void {
  const [x0, y0, x1, y1] = rect ? [rect.x0, rect.y0, rect.x1, rect.y1] : [0, 0, w, h];
  for (let y = y0; y < y1; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = x0, i = y * w + x0; x < x1; x++, i++) {
      const c = row + ((x / k) | 0);
      if (cnt) cnt[c]++;
      if (only && !only[i]) continue;
      if (cov) cov[c]++;
      sSum[c] += s[i]!;
      tSum[c] += t[i]!;
    }
  }
}

/** normalisedBlur of a cell plane at σ cells, the weight's blur made once per σ (in `blurs`). */
function cellField(d: Float32Array, sigma: number, wl: Float32Array, cw: number, ch: number, blurs: Map<number, Float32Array>): Float32Array {
  return normalisedBlur(d, wl, weightBlur(wl, cw, ch, sigma, blurs), cw, ch, sigma);
}

/** The light weight's blur at σ (cells), made once a swap: `blurs` keeps them by σ. Read-only. */
function weightBlur(wl: Float32Array, cw: number, ch: number, sigma: number, blurs: Map<number, Float32Array>): Float32Array {
  let b = blurs.get(sigma);
  if (!b) blurs.set(sigma, (b = gaussBlur(wl, cw, ch, sigma)));
  return b;
}

/** blur(v·weight) / blur(weight), given the weight's blur. */
function normalisedBlur(v: Float32Array, weight: Float32Array, weightBlur: Float32Array, w: number, h: number, sigma: number): Float32Array {
  const vw = new Float32Array(v.length);
  productInto(vw, v, weight);
  const a = gaussBlur(vw, w, h, sigma);
  divideByWeight(a, weightBlur);
  return a;
}

/** (v·gain + shift)·r for every cell. */
function scaleAffine(gain: Float32Array, shift: Float32Array, r: Float32Array): void {
  for (let i = 0; i < gain.length; i++) {
    gain[i] *= r[i];
    shift[i] *= r[i];
  }
}

/**
 * Plane c's cell means after the match (gain, shift, and for a chroma plane the cross term on the
 * matched lightness). A module kernel, not a per-swap closure, so it is compiled once a thread.
 */
function matchedMeans(plain: Float32Array[], gains: Float32Array[], shifts: Float32Array[], c: number, cross: Float32Array | undefined): Float32Array {
  const pc = plain[c], gc = gains[c], sc = shifts[c], p0 = plain[0], g0 = gains[0], s0 = shifts[0];
  const m = new Float32Array(pc.length);
  for (let i = 0; i < m.length; i++) m[i] = pc[i] * gc[i] + sc[i];
  if (cross) for (let i = 0; i < m.length; i++) m[i] += cross[i] * (p0[i] * g0[i] + s0[i]);
  return m;
}

interface Highlights {
  means: [Float32Array, Float32Array, Float32Array];
  soft: Float32Array;
  strength: number;
}

/** Row interpolation at offset o (the next cell at o + d). */
function lerpRow(rows: Float32Array, o: number, d: number, t: number): number {
  return rows[o] + (rows[o + d] - rows[o]) * t;
}

// neutralKeep: its correction fades in as the matched mean leaves neutral (Lab units), so a cell
// whose matched mean crosses neutral changes continuously.
const NEUTRAL_KEEP_RAMP = 1;

/**
 * ColourOptions.neutralKeep's per-cell fields [Δa, Δb, qa, qb]: per chroma plane, the correction Δ
 * at neutral and its slope q = Δ / m (m the source's local mean; 0 ≤ q ≤ the gain). The final map
 * F(v) = g·v + s sends the mean to m' = F(m) and neutral to s; where s lies past neutral from m' (m'
 * on m's side), Δ = −s brings neutral back to neutral. Per pixel (applyFields) the correction is
 * Δ − q·v held between 0 and Δ: Δ in full on the far side of neutral, fading linearly to 0 at the
 * mean and beyond, so F is m'·v/m between neutral and the mean (the ratio) and keeps its gain g
 * elsewhere. Continuous in v and across cells; undefined when no cell needs it.
 */
function neutralFields(means: Float32Array[], gains: Float32Array[], shifts: Float32Array[], strength: number): Float32Array[] | undefined {
  const deltas: Float32Array[] = [];
  const slopes: Float32Array[] = [];
  let any = false;
  for (let c = 1; c <= 2; c++) {
    const m = means[c - 1], g = gains[c], s = shifts[c];
    const delta = new Float32Array(m.length);
    const slope = new Float32Array(m.length);
    for (let i = 0; i < m.length; i++) {
      const sg = m[i] > 0 ? 1 : m[i] < 0 ? -1 : 0;
      const over = -sg * s[i];
      const side = sg * (g[i] * m[i] + s[i]);
      if (over > 0 && side > 0) {
        delta[i] = sg * over * strength * Math.min(1, side / NEUTRAL_KEEP_RAMP);
        slope[i] = delta[i] / m[i];
        any = true;
      }
    }
    deltas.push(delta);
    slopes.push(slope);
  }
  return any ? [...deltas, ...slopes] : undefined;
}

/**
 * neutralFields()' correction for one chroma plane at a pixel: Δ − q·v held between 0 and Δ, with Δ
 * interpolated from rows[o], rows[o + d] by t and q the same from `qOff` rows further on.
 */
function neutralCorrection(rows: Float32Array, o: number, d: number, t: number, qOff: number, v: number): number {
  const delta = rows[o] + (rows[o + d] - rows[o]) * t;
  if (delta === 0) return 0;
  const q = o + qOff;
  const e = delta - v * (rows[q] + (rows[q + d] - rows[q]) * t);
  return Math.max(Math.min(e, Math.max(0, delta)), Math.min(0, delta));
}

/** Whether any of mask[o … o + n) is set. */
function rowAny(mask: Uint8Array, o: number, n: number): boolean {
  for (let i = o, e = o + n; i < e; i++) if (mask[i]) return true;
  return false;
}

/**
 * The one full-resolution pass: each plane through its affine map (bilinear from the cell
 * centres), then the hot-spot compression. The grids are interpolated down each row once, so a
 * pixel costs one lerp per field.
 */
function applyFields(lab: Float32Array[], gains: Float32Array[], shifts: Float32Array[], hot: Highlights | undefined, cw: number, ch: number, k: number, w: number, h: number, only?: Uint8Array, cross?: [Float32Array, Float32Array], gloss?: Shine, skin?: Float32Array, ceiling?: Ceiling, albedo?: Float32Array[], albedoBrowsLight = 1, neutral?: Float32Array[]): void {
  // The grey source's cross terms (a += cA·l, b += cB·l) come next: rows xo and xo + cw; then the
  // shine's fields (weight, diffuse level, chroma magnitude, a and b per Y^⅓, smooth excess):
  // rows so … so + 5·cw.
  const fields = [...gains, ...shifts, ...(hot ? [...hot.means, hot.soft] : []), ...(cross ?? [])];
  const xo = cross ? (fields.length - 2) * cw : -1;
  const so = gloss ? fields.length * cw : -1;
  if (gloss) fields.push(gloss.w, gloss.d, gloss.cr, gloss.ac, gloss.bc, gloss.s);
  // The saturation ceiling's weight (0 over the lips): row ce.
  const ce = ceiling ? fields.length * cw : -1;
  const cmax = ceiling?.max ?? 0;
  if (ceiling) fields.push(ceiling.w);
  // Chroma following lightness (albedoFields()): rows al … al + 15·cw.
  const al = albedo ? fields.length * cw : -1;
  if (albedo) fields.push(...albedo);
  const al16 = albedo !== undefined && albedo.length > 12;
  // neutralKeep (neutralFields()): rows nk … nk + 3·cw (Δa, Δb, qa, qb).
  const nk = neutral ? fields.length * cw : -1;
  if (neutral) fields.push(...neutral);
  const bl = albedoBrowsLight;
  const px = new Float64Array(3);
  const nf = fields.length;
  // Row f of the interpolated grids sits at [f·cw, (f+1)·cw).
  const rows = new Float32Array(nf * cw);
  const { i0: cx0, i1: cx1, t: ctx } = bilinearTaps(w, cw, k);
  const { i0: ry0, i1: ry1, t: rty } = bilinearTaps(h, ch, k);
  const [L, A, B] = lab;
  const strength = hot?.strength ?? 0;
  // The rows holding pixels to write (the fields are interpolated only for those).
  let y0 = 0, y1 = h;
  if (only) {
    while (y0 < h && !rowAny(only, y0 * w, w)) y0++;
    while (y1 > y0 && !rowAny(only, (y1 - 1) * w, w)) y1--;
  }
  for (let y = y0; y < y1; y++) {
    const r0 = ry0[y] * cw;
    const r1 = ry1[y] * cw;
    const ty = rty[y];
    for (let f = 0; f < nf; f++) {
      const g = fields[f];
      for (let x = 0, o = f * cw; x < cw; x++) rows[o + x] = g[r0 + x] + (g[r1 + x] - g[r0 + x]) * ty;
    }
    for (let x = 0, i = y * w; x < w; x++, i++) {
      if (only && !only[i]) continue;
      // Inlined lerps (a closure made per pixel costs more than the pass: tsx names every one).
      const j0 = cx0[x], d = cx1[x] - j0, t = ctx[x];
      let l0 = L[i], a0 = A[i], b0 = B[i];
      if (so >= 0) {
        // The source's broad shine (shineField(), deshine()).
        const q = so + j0;
        const sw = rows[q] + (rows[q + d] - rows[q]) * t;
        if (sw > 1e-3 && l0 > 0) {
          const q1 = q + cw, q2 = q1 + cw, q3 = q2 + cw, q4 = q3 + cw, q5 = q4 + cw;
          const dv = rows[q1] + (rows[q1 + d] - rows[q1]) * t;
          const sv = rows[q5] + (rows[q5 + d] - rows[q5]) * t;
          const cr = rows[q2] + (rows[q2 + d] - rows[q2]) * t;
          const ac = rows[q3] + (rows[q3 + d] - rows[q3]) * t;
          const bc = rows[q4] + (rows[q4 + d] - rows[q4]) * t;
          if (deshine(l0, a0, b0, sw, dv, sv, cr, ac, bc, skin ? skin[i] : 0, px)) {
            l0 = px[0];
            a0 = px[1];
            b0 = px[2];
          }
        }
      }
      let l = l0 * (rows[j0] + (rows[j0 + d] - rows[j0]) * t) + (rows[3 * cw + j0] + (rows[3 * cw + j0 + d] - rows[3 * cw + j0]) * t);
      let a = a0 * (rows[cw + j0] + (rows[cw + j0 + d] - rows[cw + j0]) * t) + (rows[4 * cw + j0] + (rows[4 * cw + j0 + d] - rows[4 * cw + j0]) * t);
      let b = b0 * (rows[2 * cw + j0] + (rows[2 * cw + j0 + d] - rows[2 * cw + j0]) * t) + (rows[5 * cw + j0] + (rows[5 * cw + j0 + d] - rows[5 * cw + j0]) * t);
      if (nk >= 0) {
        a += neutralCorrection(rows, nk + j0, d, t, 2 * cw, a0);
        b += neutralCorrection(rows, nk + cw + j0, d, t, 2 * cw, b0);
      }
      if (xo >= 0) {
        const xa = xo + j0, xb = xa + cw;
        a += l * (rows[xa] + (rows[xa + d] - rows[xa]) * t);
        b += l * (rows[xb] + (rows[xb + d] - rows[xb]) * t);
      }
      if (al >= 0) {
        const o = al + j0;
        const sa = lerpRow(rows, o + 7 * cw, d, t);
        if (sa > 0) {
          // albedoFields(): the source's skin L + 16 here (rs) and where the maps take it (rt).
          const rs = lerpRow(rows, o, d, t), rt = lerpRow(rows, o + 1 * cw, d, t);
          const fw = lerpRow(rows, o + 11 * cw, d, t);
          if (fw > 0) {
            // Interreflection: r = (v + φ)/(1 + φ) of the skin's light, v kept, φ the new skin's.
            const fs = lerpRow(rows, o + 9 * cw, d, t), ft = lerpRow(rows, o + 10 * cw, d, t);
            const r = (Math.max(0, l + 16) / rt) ** 3;
            const rn = Math.max(0.5 * r, (r * (1 + fs) + ft - fs) / (1 + ft));
            l += sa * fw * (rt * Math.cbrt(rn) - 16 - l);
          }
          // Brows: only the hair, pixels clearly darker than the source's skin there (the skin
          // between the hairs and round the brow keeps the skin's map). Hair is darker than any
          // skin: a paler skin does not lift it (the skin's own L* ratio only where it darkens).
          const fb = lerpRow(rows, o + 8 * cw, d, t) * Math.min(1, Math.max(0, (0.9 - (l0 + 16) / rs) / 0.2));
          if (fb > 0) l += sa * fb * bl * (l0 * Math.min(1, (rt - 16) / Math.max(1, rs - 16)) - l);
          // Matched as chromaticity (a, b ÷ (L + 16), a function of X/Y, Z/Y) about the cell's
          // skin and put back at the pixel's matched lightness: a shadow the L map lifts more than
          // its cell keeps its colour instead of going grey.
          const lp = Math.max(0, l + 16);
          const ca = a0 / (l0 + 16), cb = b0 / (l0 + 16);
          const g = lerpRow(rows, o + 6 * cw, d, t);
          let na = (lerpRow(rows, o + 4 * cw, d, t) + g * (ca - lerpRow(rows, o + 2 * cw, d, t))) * lp;
          let nb = (lerpRow(rows, o + 5 * cw, d, t) + g * (cb - lerpRow(rows, o + 3 * cw, d, t))) * lp;
          if (al16) {
            // The source's shadow colouring out, the template's in (albedoCouple).
            const x = Math.min(0.4, Math.max(-0.4, (l0 + 16) / rs - 1));
            const xm = Math.min(0.4, Math.max(-0.4, lp / rt - 1));
            na += (lerpRow(rows, o + 14 * cw, d, t) * xm - lerpRow(rows, o + 12 * cw, d, t) * x) * lp;
            nb += (lerpRow(rows, o + 15 * cw, d, t) * xm - lerpRow(rows, o + 13 * cw, d, t) * x) * lp;
          }
          if (fb > 0) {
            na += fb * (ca * lp - na);
            nb += fb * (cb * lp - nb);
          }
          a += sa * (na - a);
          b += sa * (nb - b);
        }
      }
      if (ce >= 0) {
        const cwt = rows[ce + j0] + (rows[ce + j0 + d] - rows[ce + j0]) * t;
        const lim = cmax * (Math.max(0, l) + 16);
        const c2 = a * a + b * b;
        if (cwt > 0 && c2 > CEIL_KNEE * CEIL_KNEE * lim * lim) {
          // Soft: from CEIL_KNEE of the limit, chroma bends toward it (tanh); hue kept.
          const c = Math.sqrt(c2);
          const k0 = CEIL_KNEE * lim, span = lim - k0;
          const cn = k0 + span * Math.tanh((c - k0) / span);
          const f = 1 + cwt * (cn / c - 1);
          a *= f;
          b *= f;
        }
      }
      L[i] = l;
      A[i] = a;
      B[i] = b;
      if (!hot) continue;
      // The source's specular hot spots (oily skin under a flash: bright, desaturated patches a few
      // percent of the face wide) belong to its light, not the template's; left in, they read as
      // white blotches. Over skin, lightness above the local mean by more than a few units is
      // compressed, and its chroma drawn back to the local skin colour.
      const m = 6 * cw + j0;
      const e = l - (rows[m] + (rows[m + d] - rows[m]) * t) - 4;
      if (!(e > 0)) continue;
      const q = 9 * cw + j0;
      const soft = rows[q] + (rows[q + d] - rows[q]) * t;
      if (!(soft > 0)) continue;
      const s = strength * soft;
      const pull = s * Math.min(1, e / 15);
      L[i] = l - 0.7 * s * e;
      const ma = m + cw, mb = m + 2 * cw;
      A[i] = a + pull * (rows[ma] + (rows[ma + d] - rows[ma]) * t - a);
      B[i] = b + pull * (rows[mb] + (rows[mb + d] - rows[mb]) * t - b);
    }
  }
}

/**
 * The template's shading over the source's (each fitted on its own skin cells, before any match),
 * less the part the local-mean match at `sigmaCells` already carried: a gain per cell.
 */
function shadeRatio(cellsS: Float32Array, cellsT: Float32Array, wl: Float32Array, cw: number, ch: number, k: number, sigmaCells: number, g: ShadingGeometry, strength: number): Float32Array | undefined {
  const { a: nT, b: nS, has } = cellNormals(g.pos, g.tri, g.targetNormals, g.sourceNormals, cw, ch, k);
  const ct = fitShading(cellsT, wl, nT, has);
  const cs = fitShading(cellsS, wl, nS, has);
  if (!ct || !cs) return undefined;
  const nc = cw * ch;
  const ratio = new Float32Array(nc).fill(1);
  const inMesh = new Float32Array(nc);
  for (let c = 0; c < nc; c++) {
    if (!has[c]) continue;
    inMesh[c] = 1;
    const st = evalShading(ct, nT, c);
    const ss = evalShading(cs, nS, c);
    ratio[c] = st > 2 && ss > 2 ? Math.min(2, Math.max(0.5, st / ss)) : 1;
  }
  const coarse = maskedBlur(ratio, inMesh, cw, ch, sigmaCells);
  // Bounded: a fit extrapolated to a normal it has few samples near (a nose tip lit on one face
  // only) must not burn a highlight in.
  for (let c = 0; c < nc; c++) ratio[c] = has[c] && coarse[c] > 0 ? Math.pow(Math.min(1.3, Math.max(0.75, ratio[c] / coarse[c])), strength) : 1;
  return ratio;
}

/**
 * The lower face's fine tone match (ColourOptions.lowerFace): below the nose tip (a smoothstep from
 * 0.02 to 0.08 face width under it, along the chin → forehead axis) and outside the lips, each
 * plane's local mean at σ = `sigmaFw` over every covered pixel (skin, stubble, shadow alike) of the
 * source after the match so far goes to the template's, by a shift folded into the affine maps.
 * The source's detail (pores, its own stubble's grain) is kept; its low-frequency patches are not.
 */
function lowerFaceMatch(
  grid: { cw: number; ch: number; covS: Float32Array[]; covT: Float32Array[]; cov: Float32Array },
  gains: Float32Array[],
  shifts: Float32Array[],
  g: ShadingGeometry,
  faceW: number,
  k: number,
  strength: number,
  lightShare: number,
  sigmaFw: number,
): void {
  const { cw, ch, cov } = grid;
  const nc = cw * ch;
  const pos = g.pos;
  // The mesh in cell units (cell c spans [c, c + 1)).
  const cell = (i: number): [number, number] => [pos[i][0] / k, pos[i][1] / k];
  const top = cell(10), chin = cell(152), tip = cell(1);
  let ux = chin[0] - top[0], uy = chin[1] - top[1];
  const ul = Math.hypot(ux, uy) || 1;
  ux /= ul;
  uy /= ul;
  const fwc = faceW / k;
  // The lips (both the destination's and, grown, wherever the template's may be) keep the main match.
  const lipsPts = pick(pos, LIPS_OUTER).map(([x, y]) => [x / k, y / k] as [number, number]);
  const lipsHard = new Float32Array(nc);
  fillPolygon(lipsHard, cw, ch, growPolygon(lipsPts, 0.015 * fwc), 1);
  const lipsSoft = new Float32Array(nc);
  fillPolygon(lipsSoft, cw, ch, growPolygon(lipsPts, 0.02 * fwc), 1);
  const lipsBlur = gaussBlur(lipsSoft, cw, ch, Math.max(1, 0.01 * fwc));
  const statW = new Float32Array(nc);
  const apply = new Float32Array(nc);
  zoneWeights(cov, lipsHard, lipsBlur, cw, ch, tip[0], tip[1], ux, uy, fwc, strength, statW, apply);
  const sigma = Math.max(1, sigmaFw * fwc);
  const wb = gaussBlur(statW, cw, ch, sigma);
  for (let c = 0; c < 3; c++) {
    const matched = new Float32Array(nc);
    affineCells(grid.covS[c], gains[c], shifts[c], matched);
    const ms = normalisedBlur(matched, statW, wb, cw, ch, sigma);
    const mt = normalisedBlur(grid.covT[c], statW, wb, cw, ch, sigma);
    addShift(shifts[c], apply, wb, ms, mt, c === 0 ? lightShare : 1);
  }
}

/** v·gain + shift per cell. */
function affineCells(v: Float32Array, gain: Float32Array, shift: Float32Array, out: Float32Array): void {
  for (let i = 0; i < v.length; i++) out[i] = v[i] * gain[i] + shift[i];
}

/** shift += s·apply·(mt − ms) where the statistics' weight is not vanishing (its blur ≥ 0.02). */
function addShift(shift: Float32Array, apply: Float32Array, wb: Float32Array, ms: Float32Array, mt: Float32Array, s: number): void {
  for (let i = 0; i < shift.length; i++) if (apply[i] > 0 && wb[i] > 0.02) shift[i] += s * apply[i] * Math.min(1, wb[i] / 0.1) * (mt[i] - ms[i]);
}

/**
 * lowerFaceMatch()'s weights per cell: statistics (covered share, below the nose tip by 0.02 face
 * width, outside the lips) and application (smoothstep 0.02 → 0.08 face width below the tip, less
 * the blurred lips, × strength).
 */
function zoneWeights(cov: Float32Array, lipsHard: Float32Array, lipsBlur: Float32Array, cw: number, ch: number, tx: number, ty: number, ux: number, uy: number, fwc: number, strength: number, statW: Float32Array, apply: Float32Array): void {
  for (let cy = 0; cy < ch; cy++) {
    for (let cx = 0; cx < cw; cx++) {
      const i = cy * cw + cx;
      if (!(cov[i] > 0)) continue;
      const d = ((cx + 0.5 - tx) * ux + (cy + 0.5 - ty) * uy) / fwc;
      if (d <= 0.02) continue;
      if (!lipsHard[i]) statW[i] = cov[i];
      const t = Math.min(1, (d - 0.02) / 0.06);
      apply[i] = strength * t * t * (3 - 2 * t) * Math.max(0, 1 - lipsBlur[i]);
    }
  }
}

// The saturation ceiling (ColourOptions.chromaCeiling): chroma bends from this share of the limit.
const CEIL_KNEE = 0.8;

interface Ceiling {
  /** Per cell: 1, falling to 0 over the lips. */
  w: Float32Array;
  /** The limit of chroma / (L + 16). */
  max: number;
}

/** The template's skin saturation (95th percentile of C / (L + 16) over its skin cells) × `margin`, and the weight (lips out). */
function chromaCeiling(grid: { cw: number; ch: number; wl: Float32Array; tgt: Float32Array[] }, k: number, geometry: ShadingGeometry | undefined, margin: number): Ceiling | undefined {
  const { cw, ch, wl, tgt } = grid;
  const nc = cw * ch;
  const r: number[] = [];
  for (let i = 0; i < nc; i++) if (wl[i] > 0.5 && tgt[0][i] > 5) r.push(Math.hypot(tgt[1][i], tgt[2][i]) / (tgt[0][i] + 16));
  if (r.length < 20) return undefined;
  const q = selectKth(Float64Array.from(r), Math.floor(0.95 * (r.length - 1)));
  const w = new Float32Array(nc).fill(1);
  if (geometry) {
    const lips = pick(geometry.pos, LIPS_OUTER).map(([x, y]) => [x / k, y / k] as [number, number]);
    const fwc = faceWidth(geometry.pos) / k;
    const m = new Float32Array(nc);
    fillPolygon(m, cw, ch, growPolygon(lips, 0.02 * fwc), 1);
    const b = gaussBlur(m, cw, ch, Math.max(1, 0.01 * fwc));
    for (let i = 0; i < nc; i++) w[i] = Math.max(0, 1 - 1.5 * Math.max(m[i], b[i]));
  }
  return { w, max: q * margin };
}

/** The cell grid's planes the fine matches read. */
interface CellGrid {
  cw: number;
  ch: number;
  wl: Float32Array;
  src: Float32Array[];
  tgt: Float32Array[];
}

// The rim (ColourOptions.periphery): the weight ramps from this share of the way from the face's
// centre to its oval (0) out to the oval (1).
const RIM_FROM = 0.8;

/** The rim's fine match, folded into the per-cell maps (after the coarse match and its lighting). */
function peripheryMatch(grid: CellGrid, gains: Float32Array[], shifts: Float32Array[], g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions): void {
  const sigma = Math.max(1, (opts.peripherySigma * faceW) / k);
  const { weight, wb } = rimWeight(grid, g, faceW, k, sigma, Math.min(1, opts.periphery), RIM_FROM);
  residualMatch(grid, gains, shifts, weight, wb, sigma, 1.5, 1);
}

/** The rim's weight per cell (× st) and the skin weight's blur at σ (cells) it was gated by. */
function rimWeight(grid: CellGrid, g: ShadingGeometry, faceW: number, k: number, sigma: number, st: number, from: number): { weight: Float64Array; wb: Float32Array } {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const fwc = faceW / k;
  const inner = new Float32Array(nc);
  fillPolygon(inner, cw, ch, ovalScaled(g, k, from), 1);
  const ib = gaussBlur(inner, cw, ch, Math.max(1, 0.05 * fwc));
  const wb = gaussBlur(wl, cw, ch, sigma);
  // Where skin is near enough to measure (its blur ≥ 0.05, full from 0.2).
  const weight = new Float64Array(nc);
  for (let i = 0; i < nc; i++) weight[i] = st * Math.max(0, Math.min(1, 1 - ib[i])) * Math.min(1, Math.max(0, (wb[i] - 0.05) / 0.15));
  return { weight, wb };
}

// The rim's fine tone (ColourOptions.rimFine): the bound of its L ratio.
const RIM_FINE_L_MAX = 1.3;

/** The rim's fine match beyond a dead zone (ColourOptions.rimFine), folded into the per-cell maps. */
function rimFineMatch(grid: CellGrid, gains: Float32Array[], shifts: Float32Array[], g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions, grey: number): void {
  const sigma = Math.max(1, (opts.rimFineSigma * faceW) / k);
  const { weight, wb } = rimWeight(grid, g, faceW, k, sigma, Math.min(1, opts.rimFine), Math.min(0.98, Math.max(0, opts.rimFineFrom)));
  // A greyscale source's chroma is the template's already (greySource).
  const chroma = 1 - grey;
  residualMatch(grid, gains, shifts, weight, wb, sigma, RIM_FINE_L_MAX, Math.min(1, Math.max(0, opts.rimFineLight)), chroma > 0 ? 3 : 1, Math.max(0, opts.rimFineTolerance), Math.max(0, opts.rimFineChromaTolerance), chroma);
}

/** The face's oval (Human's FACE_OVAL, in cells) scaled by `f` about its centre. */
function ovalScaled(g: ShadingGeometry, k: number, f: number): [number, number][] {
  const oval = pick(g.pos, FACE_OVAL).map(([x, y]) => [x / k, y / k] as [number, number]);
  let cx = 0, cy = 0;
  for (const [x, y] of oval) {
    cx += x / oval.length;
    cy += y / oval.length;
  }
  return oval.map(([x, y]) => [cx + f * (x - cx), cy + f * (y - cy)]);
}

/**
 * A fine match of what is left after the maps so far, folded into them: the matched source's
 * local means (σ cells, over skin: `wb` is wl's blur) against the template's, by `weight` a cell;
 * lightness by a ratio bounded to [1/lMax, lMax] to the power weight × lightShare, chroma by a shift.
 */
function residualMatch(grid: CellGrid, gains: Float32Array[], shifts: Float32Array[], weight: Float64Array | Float32Array, wb: Float32Array, sigma: number, lMax: number, lightShare: number, planes = 3, tolL = 0, tolC = 0, chromaShare = 1): void {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  // The kernels below see one kind of weight (a Float32Array's values are exact in a Float64Array):
  // with both, and the L and chroma loops in one, this was deoptimised and compiled 3–4 times a swap.
  const wt = weight instanceof Float64Array ? weight : Float64Array.from(weight);
  for (let c = 0; c < planes; c++) {
    if (c === 0 ? !(lightShare > 0) : !(chromaShare > 0)) continue;
    const matched = new Float32Array(nc);
    affineCells(grid.src[c], gains[c], shifts[c], matched);
    const ms = normalisedBlur(matched, wl, wb, cw, ch, sigma);
    const mt = normalisedBlur(grid.tgt[c], wl, wb, cw, ch, sigma);
    if (c === 0 && tolL > 0) lightDeadZone(gains[0], shifts[0], wt, ms, mt, lMax, lightShare, tolL);
    else if (c > 0 && tolC > 0) chromaDeadZone(shifts[c], wt, ms, mt, chromaShare, tolC);
    else if (c === 0) lightRatio(gains[0], shifts[0], wt, ms, mt, nc, lMax, lightShare);
    else chromaShift(shifts[c], wt, ms, mt, nc, chromaShare);
  }
}

/** residualMatch()'s L ratio, bounded to [1/lMax, lMax], to the power weight × share. */
function lightRatio(gain: Float32Array, shift: Float32Array, weight: Float64Array, ms: Float32Array, mt: Float32Array, nc: number, lMax: number, share: number): void {
  for (let i = 0; i < nc; i++) {
    const wgt = weight[i];
    if (!(wgt > 0)) continue;
    if (!(ms[i] > 2 && mt[i] > 2)) continue;
    const r = Math.pow(Math.min(lMax, Math.max(1 / lMax, mt[i] / ms[i])), wgt * share);
    gain[i] *= r;
    shift[i] *= r;
  }
}

/** residualMatch()'s chroma shift. */
function chromaShift(shift: Float32Array, weight: Float64Array, ms: Float32Array, mt: Float32Array, nc: number, share: number): void {
  for (let i = 0; i < nc; i++) {
    const wgt = weight[i];
    if (!(wgt > 0)) continue;
    shift[i] += wgt * share * (mt[i] - ms[i]);
  }
}

/** residualMatch()'s L ratio with its log shrunk by `tol` toward 0 (a dead zone). */
function lightDeadZone(gain: Float32Array, shift: Float32Array, weight: Float64Array, ms: Float32Array, mt: Float32Array, lMax: number, share: number, tol: number): void {
  const lm = Math.log(lMax);
  for (let i = 0; i < gain.length; i++) {
    const wgt = weight[i];
    if (!(wgt > 0) || !(ms[i] > 2 && mt[i] > 2)) continue;
    const d = Math.log(mt[i] / ms[i]);
    const e = Math.min(lm, Math.max(-lm, Math.sign(d) * Math.max(0, Math.abs(d) - tol)));
    if (e === 0) continue;
    const r = Math.exp(e * wgt * share);
    gain[i] *= r;
    shift[i] *= r;
  }
}

/** residualMatch()'s chroma shift shrunk by `tol` toward 0 (a dead zone). */
function chromaDeadZone(shift: Float32Array, weight: Float64Array, ms: Float32Array, mt: Float32Array, share: number, tol: number): void {
  for (let i = 0; i < shift.length; i++) {
    const wgt = weight[i];
    if (!(wgt > 0)) continue;
    const d = mt[i] - ms[i];
    shift[i] += wgt * share * Math.sign(d) * Math.max(0, Math.abs(d) - tol);
  }
}

// The edge tone (ColourOptions.edgeTone): the L ratio's bound, and the features' hulls' growth
// (face widths) and soft edge kept out of the band.
const EDGE_L_MAX = 1.3;
const EDGE_KEEP = 0.03;
const EDGE_KEEP_SOFT = 0.03;

/**
 * The edge tone's fine match of what is left (ColourOptions.edgeTone), folded into the per-cell
 * maps after every other match: the matched source's local means against the template's, over skin
 * in both faces, in a band from `edgeToneFrom` of the way out to the oval, features left out.
 */
function edgeToneMatch(grid: CellGrid, gains: Float32Array[], shifts: Float32Array[], g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions): void {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const fwc = faceW / k;
  // Ramp: 0 inside `from` of the way out, 1 from halfway between it and the oval (blurred).
  const from = Math.min(0.95, Math.max(0, opts.edgeToneFrom));
  const mid = (from + 1) / 2;
  const a = new Float32Array(nc);
  const b = new Float32Array(nc);
  fillPolygon(a, cw, ch, ovalScaled(g, k, from), 1);
  fillPolygon(b, cw, ch, ovalScaled(g, k, mid), 1);
  const soft = Math.max(1, 0.03 * fwc);
  const ab = gaussBlur(a, cw, ch, soft);
  const bb = gaussBlur(b, cw, ch, soft);
  // The features (eyes with brows, lips), grown, stay out.
  const feat = new Float32Array(nc);
  for (const ids of [[...EYE_LEFT, ...BROW_LEFT], [...EYE_RIGHT, ...BROW_RIGHT], LIPS_OUTER]) {
    const hull = convexHull(pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]));
    fillPolygon(feat, cw, ch, growPolygon(hull, EDGE_KEEP * fwc), 1);
  }
  const fb = gaussBlur(feat, cw, ch, Math.max(1, EDGE_KEEP_SOFT * fwc));
  const sigma = Math.max(1, opts.edgeToneSigma * fwc);
  const wb = gaussBlur(wl, cw, ch, sigma);
  const st = Math.min(1, opts.edgeTone);
  const light = Math.min(1, Math.max(0, opts.edgeToneLight));
  const band = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    // Half from `from` of the way out, full from `mid` (both edges blurred).
    const r = Math.min(1, Math.max(0, 0.5 * (1 - ab[i]) + 0.5 * (1 - bb[i])));
    band[i] = st * r * Math.max(0, 1 - Math.max(feat[i], fb[i])) * Math.min(1, Math.max(0, (wb[i] - 0.05) / 0.15));
  }
  residualMatch(grid, gains, shifts, band, wb, sigma, EDGE_L_MAX, light);
}

/**
 * Per cell of side k, for edgeLightWeight() only (a pass of its own, not paid with the knob off):
 * the mean stretch over its covered pixels and the cell's mean alpha.
 */
function edgeCells(stretch: Float32Array, alpha: Float32Array, w: number, h: number, k: number, cw: number, ch: number, only?: Uint8Array) {
  const nc = cw * ch;
  const st = new Float32Array(nc);
  const cov = new Float32Array(nc);
  const cnt = new Float32Array(nc);
  const wa = new Float32Array(nc);
  for (let y = 0; y < h; y++) {
    const row = ((y / k) | 0) * cw;
    for (let x = 0, i = y * w; x < w; x++, i++) {
      const c = row + ((x / k) | 0);
      cnt[c]++;
      if (only && !only[i]) continue;
      st[c] += stretch[i];
      cov[c]++;
      wa[c] += alpha[i];
    }
  }
  const covered = new Float32Array(nc);
  for (let c = 0; c < nc; c++) {
    covered[c] = cov[c] / (cnt[c] || 1);
    st[c] = cov[c] ? st[c] / cov[c] : 0;
    wa[c] /= cnt[c] || 1;
  }
  return { cw, ch, shown: wa, stretch: st, covered };
}

// edgeLightCut: a cut is a cell at least EDGE_CUT_INSET (face widths) inside the warped face's
// cover (the oval's feather and the stretch fade are not cuts) where under EDGE_CUT_SHOWN of the
// source is shown.
const EDGE_CUT_INSET = 0.06;
const EDGE_CUT_SHOWN = 0.25;

/**
 * edgeLightCut's reach per cell: 1 within `width` (face widths, in cells fwc per face width) of a cut
 * in the mask inside the face, its edge blurred over half of it; undefined when there is no cut.
 */
function edgeCutReach(grid: { cw: number; ch: number; shown: Float32Array; covered: Float32Array }, fwc: number, width: number): Float32Array | undefined {
  const { cw, ch, shown, covered } = grid;
  const nc = cw * ch;
  const out = new Float32Array(nc);
  for (let i = 0; i < nc; i++) out[i] = covered[i] >= 0.99 ? 0 : 1;
  // Outside the cover, grown by the inset: what is left is the cover's interior.
  const outside = maxFilter(out, cw, ch, Math.max(1, Math.round(EDGE_CUT_INSET * fwc)));
  const cut = new Float32Array(nc);
  let any = false;
  for (let i = 0; i < nc; i++)
    if (outside[i] === 0 && shown[i] < EDGE_CUT_SHOWN) {
      cut[i] = 1;
      any = true;
    }
  if (!any) return undefined;
  return gaussBlur(maxFilter(cut, cw, ch, Math.max(1, Math.round(width * fwc))), cw, ch, Math.max(1, 0.5 * width * fwc));
}

// The stretched edge (ColourOptions.edgeLight): the features' hulls' growth and soft edge (face
// widths) kept out, and the blur of the stretch ramp.
const EDGE_LIGHT_KEEP = 0.01;
const EDGE_LIGHT_KEEP_SOFT = 0.015;
const EDGE_LIGHT_RAMP_SOFT = 0.02;
const EDGE_LIGHT_FILL = 0.02;
// Degrees of |Δyaw| over which the stretched edge's gate opens, from edgeLightTurn.
const EDGE_LIGHT_TURN_RAMP = 5;

/** Each cell's maximum over the square of radius r around it (separable). */
function maxFilter(v: Float32Array, w: number, h: number, r: number): Float32Array {
  if (r < 1) return v;
  const a = new Float32Array(v.length);
  const b = new Float32Array(v.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let d = Math.max(0, x - r); d <= Math.min(w - 1, x + r); d++) m = Math.max(m, v[y * w + d]);
      a[y * w + x] = m;
    }
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      let m = 0;
      for (let d = Math.max(0, y - r); d <= Math.min(h - 1, y + r); d++) m = Math.max(m, a[d * w + x]);
      b[y * w + x] = m;
    }
  return b;
}

/**
 * The stretched edge's weight per cell (ColourOptions.edgeLight): the warp's stretch ramp, the
 * features' hulls left out, where something of the source is shown; undefined when nothing is.
 */
function edgeLightWeight(grid: { cw: number; ch: number; shown: Float32Array; stretch: Float32Array; covered: Float32Array }, g: ShadingGeometry, faceW: number, k: number, opts: ColourOptions, cutStrength = 0): Float32Array | undefined {
  const { cw, ch, shown, stretch: st } = grid;
  const nc = cw * ch;
  const fwc = faceW / k;
  const lo = opts.edgeLightStretchFrom;
  const hi = Math.max(lo + 1e-3, opts.edgeLightStretchFull);
  const ramp = new Float32Array(nc);
  let any = false;
  if (opts.edgeLight > 0)
    for (let i = 0; i < nc; i++) {
      ramp[i] = Math.min(1, Math.max(0, (st[i] - lo) / (hi - lo)));
      if (ramp[i] > 0) any = true;
    }
  // edgeLightCut: beside a cut in the mask inside the face, at its own strength.
  const reach = cutStrength > 0 ? edgeCutReach(grid, fwc, opts.edgeLightCutWidth) : undefined;
  if (!any && !reach) return undefined;
  // The stretch is per triangle, and a few less stretched ones among stretched ones left gaps where
  // the source's rim of light stayed: the ramp's local maximum, then blurred.
  const rb = any ? gaussBlur(maxFilter(ramp, cw, ch, Math.round(EDGE_LIGHT_FILL * fwc)), cw, ch, Math.max(1, EDGE_LIGHT_RAMP_SOFT * fwc)) : ramp;
  const feat = new Float32Array(nc);
  // Each eye and brow on its own: the temple between a brow's tail and the eye's corner is cheek edge.
  for (const ids of [EYE_LEFT, BROW_LEFT, EYE_RIGHT, BROW_RIGHT, LIPS_OUTER, NOSE]) {
    const hull = convexHull(pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]));
    fillPolygon(feat, cw, ch, growPolygon(hull, EDGE_LIGHT_KEEP * fwc), 1);
  }
  const fb = gaussBlur(feat, cw, ch, Math.max(1, EDGE_LIGHT_KEEP_SOFT * fwc));
  // The face's outer part only (as edgeTone's band): the inner cheek's relief is the source's.
  const from = Math.min(0.95, Math.max(0, opts.edgeLightBand));
  const ia = new Float32Array(nc);
  const ib = new Float32Array(nc);
  fillPolygon(ia, cw, ch, ovalScaled(g, k, from), 1);
  fillPolygon(ib, cw, ch, ovalScaled(g, k, (from + 1) / 2), 1);
  const soft = Math.max(1, 0.03 * fwc);
  const iab = gaussBlur(ia, cw, ch, soft);
  const ibb = gaussBlur(ib, cw, ch, soft);
  // edgeLightCut's own band (its start `edgeLightCutBand`, built the same way).
  let cab: Float32Array | undefined, cbb: Float32Array | undefined;
  if (reach) {
    const cf = Math.min(0.95, Math.max(0, opts.edgeLightCutBand));
    const ca = new Float32Array(nc);
    const cb = new Float32Array(nc);
    fillPolygon(ca, cw, ch, ovalScaled(g, k, cf), 1);
    fillPolygon(cb, cw, ch, ovalScaled(g, k, (cf + 1) / 2), 1);
    cab = gaussBlur(ca, cw, ch, soft);
    cbb = gaussBlur(cb, cw, ch, soft);
  }
  const s = Math.min(1, opts.edgeLight);
  const weight = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    const band = Math.min(1, Math.max(0, 0.5 * (1 - iab[i]) + 0.5 * (1 - ibb[i])));
    // (Without the cut term, the product in its old order: off is bit-identical.)
    const on = reach ? Math.max(s * rb[i] * band, cutStrength * reach[i] * Math.min(1, Math.max(0, 0.5 * (1 - cab![i]) + 0.5 * (1 - cbb![i])))) : s * band * rb[i];
    weight[i] = shown[i] > 0 ? on * Math.max(0, 1 - Math.max(feat[i], fb[i])) : 0;
  }
  return weight;
}

/**
 * The stretched edge's match at full size, after the one pass (ColourOptions.edgeLight): by the
 * cell weight (bilinear), the matched source's local means at σ (px) go to the template's, both
 * over what is shown (alpha): lightness by a ratio bounded to [1/lMax, lMax], chroma by a share of
 * a shift. Only the weight's bounding box is blurred.
 */
function edgeLightPixels(src: Float32Array[], tgt: Float32Array[], alpha: Float32Array, wc: Float32Array, cw: number, ch: number, k: number, w: number, h: number, sigma: number, lMax: number, chroma: number, detail: number, only?: Uint8Array): void {
  let cx0 = cw, cy0 = ch, cx1 = -1, cy1 = -1;
  for (let cy = 0; cy < ch; cy++)
    for (let cx = 0; cx < cw; cx++)
      if (wc[cy * cw + cx] > 1e-3) {
        if (cx < cx0) cx0 = cx;
        if (cx > cx1) cx1 = cx;
        if (cy < cy0) cy0 = cy;
        if (cy > cy1) cy1 = cy;
      }
  if (cx1 < 0) return;
  const m = Math.ceil(3 * sigma) + k;
  const x0 = Math.max(0, cx0 * k - m), x1 = Math.min(w, (cx1 + 1) * k + m);
  const y0 = Math.max(0, cy0 * k - m), y1 = Math.min(h, (cy1 + 1) * k + m);
  const bw = x1 - x0, bh = y1 - y0, bn = bw * bh;
  // Lightness always; a and b only with a chroma share (plain locals: the pass runs over every
  // pixel of the box, and arrays of planes indexed per pixel were most of its time).
  const withChroma = chroma > 0;
  const [sL, sA, sB] = src;
  const [tL, tA, tB] = tgt;
  const aw = new Float32Array(bn);
  const svL = new Float32Array(bn), tvL = new Float32Array(bn);
  const svA = new Float32Array(withChroma ? bn : 0), tvA = new Float32Array(withChroma ? bn : 0);
  const svB = new Float32Array(withChroma ? bn : 0), tvB = new Float32Array(withChroma ? bn : 0);
  for (let y = y0, j = 0; y < y1; y++)
    for (let x = x0, i = y * w + x0; x < x1; x++, i++, j++) {
      const a = only && !only[i] ? 0 : alpha[i];
      if (!(a > 0)) continue;
      aw[j] = a;
      svL[j] = a * sL[i];
      tvL[j] = a * tL[i];
      if (withChroma) {
        svA[j] = a * sA[i];
        tvA[j] = a * tA[i];
        svB[j] = a * sB[i];
        tvB[j] = a * tB[i];
      }
    }
  const ab = gaussBlur(aw, bw, bh, sigma);
  const sbL = gaussBlur(svL, bw, bh, sigma), tbL = gaussBlur(tvL, bw, bh, sigma);
  const sbA = withChroma ? gaussBlur(svA, bw, bh, sigma) : svA, tbA = withChroma ? gaussBlur(tvA, bw, bh, sigma) : tvA;
  const sbB = withChroma ? gaussBlur(svB, bw, bh, sigma) : svB, tbB = withChroma ? gaussBlur(tvB, bw, bh, sigma) : tvB;
  const { i0: ix0, i1: ix1, t: tx } = bilinearTaps(w, cw, k);
  const { i0: iy0, i1: iy1, t: ty } = bilinearTaps(h, ch, k);
  for (let y = y0, j = 0; y < y1; y++) {
    const r0 = iy0[y] * cw, r1 = iy1[y] * cw, fy = ty[y];
    for (let x = x0, i = y * w + x0; x < x1; x++, i++, j++) {
      if (only && !only[i]) continue;
      const fx = tx[x];
      const wt = (1 - fy) * ((1 - fx) * wc[r0 + ix0[x]] + fx * wc[r0 + ix1[x]]) + fy * ((1 - fx) * wc[r1 + ix0[x]] + fx * wc[r1 + ix1[x]]);
      if (!(wt > 1e-3) || !(ab[j] > 1e-3)) continue;
      const abj = ab[j];
      const ms = sbL[j] / abj;
      const mt = tbL[j] / abj;
      if (ms > 2 && mt > 2) {
        // The source's detail about its local mean, soft-clamped to ±detail: pores pass, a strand of
        // hair or a rim of light finer than σ does not.
        const l = sL[i];
        let d = l / ms - 1;
        if (detail > 0) d = detail * Math.tanh(d / detail);
        const to = Math.min(lMax, Math.max(1 / lMax, mt / ms)) * ms * (1 + d);
        sL[i] = l + wt * (to - l);
      }
      if (withChroma) {
        sA[i] += wt * chroma * (tbA[j] - sbA[j]) / abj;
        sB[i] += wt * chroma * (tbB[j] - sbB[j]) / abj;
      }
    }
  }
}

// The eye sockets (ColourOptions.sockets): the band is each eye's and brow's hull grown by
// SOCKET_GROW face widths (its edge blurred over SOCKET_SOFT); the eye's opening and the brow,
// grown by SOCKET_KEEP, keep the match so far (lashes, iris, brow hairs are the source's); the
// statistics leave them out with SOCKET_KEEP_STAT, and take the source's covered pixels (not only
// its skin) within SOCKET_RING of them. The lightening ratio is at most SOCKET_MAX; the first
// SOCKET_TOL of the source's extra darkness stays (tune split, 60 pairs, strength 1: without it
// faceres retrieval fell 73.3 → 68.3 %, face-api 93.3 → 90.0 %; with it both unchanged).
const SOCKET_GROW = 0.06;
const SOCKET_SOFT = 0.025;
const SOCKET_KEEP = 0.008;
const SOCKET_KEEP_STAT = 0.015;
const SOCKET_RING = 0.04;
const SOCKET_MAX = 1.6;
const SOCKET_TOL = 1.12;

/**
 * The eye sockets' mid-scale lightness (ColourOptions.sockets), folded into the L maps: both faces'
 * plain means of L over the covered pixels of the band (outside the eyes' openings and the brows),
 * the source's through the maps so far; where the template's local mean at σ = socketsSigma is the
 * brighter, L takes the ratio, × strength × the band's weight.
 */
function socketMatch(
  sLab: Float32Array[],
  tLab: Float32Array[],
  w: number,
  h: number,
  k: number,
  grid: { cw: number; ch: number; wl: Float32Array; tgt: Float32Array[] },
  gains: Float32Array[],
  shifts: Float32Array[],
  g: ShadingGeometry,
  faceW: number,
  opts: ColourOptions,
  only?: Uint8Array,
): void {
  const { cw, ch, wl } = grid;
  const nc = cw * ch;
  const fwc = faceW / k;
  const cellPts = (ids: number[]) => pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
  const band = new Float32Array(nc);
  const keep = new Float32Array(nc);
  const keepStat = new Float32Array(nc);
  const ring = new Float32Array(nc);
  for (const [eyeIds, browIds] of [[EYE_RIGHT, BROW_RIGHT], [EYE_LEFT, BROW_LEFT]]) {
    const eye = cellPts(eyeIds);
    const brow = cellPts(browIds);
    fillPolygon(band, cw, ch, growPolygon(convexHull([...eye, ...brow]), SOCKET_GROW * fwc), 1);
    for (const part of [eye, brow]) {
      fillPolygon(keep, cw, ch, growPolygon(part, SOCKET_KEEP * fwc), 1);
      fillPolygon(keepStat, cw, ch, growPolygon(part, SOCKET_KEEP_STAT * fwc), 1);
      fillPolygon(ring, cw, ch, growPolygon(part, SOCKET_RING * fwc), 1);
    }
  }
  // The source's plain L means over the covered pixels of each cell: its skin (the light weight)
  // and, next to its eyes and brows, where that weight leaves out everything, the ring around them.
  // The template's: its skin's (its own eyes, which need not lie under the source's, are left out).
  const sSum = new Float32Array(nc);
  const tSum = new Float32Array(nc);
  const cnt = new Float32Array(nc);
  const cov = new Float32Array(nc);
  // Only the band's cells are read below: the pass covers their pixels alone.
  // The loops over cells are kernels of their own (as eyeShare's): inlined here, with the mesh
  // points' destructuring above, the whole function was deoptimised and compiled again twice a thread.
  const [bx0, by0, bx1, by1] = cellsBox(band, cw, nc);
  if (bx1! < 0) return;
  const rect = { x0: bx0! * k, y0: by0! * k, x1: Math.min(w, (bx1! + 1) * k), y1: Math.min(h, (by1! + 1) * k) };
  coveredSums(sLab[0]!, tLab[0]!, sSum, tSum, cnt, cov, w, h, k, cw, only, rect);
  const wS = new Float32Array(nc);
  const wT = new Float32Array(nc);
  const matched = new Float32Array(nc);
  socketWeights(band, cov, cnt, sSum, gains[0]!, shifts[0]!, wl, keepStat, ring, matched, wS, wT, nc);
  const sigma = Math.max(1, opts.socketsSigma * fwc);
  const wbS = gaussBlur(wS, cw, ch, sigma);
  const wbT = gaussBlur(wT, cw, ch, sigma);
  const ms = normalisedBlur(matched, wS, wbS, cw, ch, sigma);
  const mt = normalisedBlur(grid.tgt[0], wT, wbT, cw, ch, sigma);
  const soft = Math.max(1, SOCKET_SOFT * fwc);
  const bandSoft = gaussBlur(band, cw, ch, soft);
  const keepSoft = gaussBlur(keep, cw, ch, Math.max(0.5, 0.5 * SOCKET_KEEP * fwc));
  // The band's chroma (socketsChroma): before the lightness below changes the L maps (a and b's are apart).
  if (opts.socketsChroma > 0) socketChroma(sLab, tLab, w, h, k, grid, gains, shifts, wS, wT, bandSoft, keep, keepSoft, sigma, rect, Math.min(1, opts.socketsChroma), only);
  const st = Math.min(1, opts.sockets);
  if (!(st > 0)) return;
  socketLift(st, bandSoft, keep, keepSoft, wbS, wbT, ms, mt, gains[0]!, shifts[0]!, nc);
}

// socketLid: the eye's opening and the brow, grown this much (face widths), are out of its zone and statistics.
const SOCKET_LID_KEEP = 0.004;

/**
 * ColourOptions.socketLid, folded into the L maps: per cell of the lids' zone (each eye-and-brow hull
 * grown socketLidGrow, the opening and brow grown SOCKET_LID_KEEP out), both faces' plain covered
 * means of L (the source's through the maps so far), their local means at σ socketLidSigma over the
 * zone, and L + 16 × their ratio (template over source, less the tolerance, bounded), × strength ×
 * the zone's soft weight; the openings take socketLidOpen of their surround's lift.
 */
function socketLidMatch(sLab: Float32Array[], tLab: Float32Array[], w: number, h: number, k: number, grid: { cw: number; ch: number }, gains: Float32Array[], shifts: Float32Array[], g: ShadingGeometry, faceW: number, opts: ColourOptions, only?: Uint8Array): void {
  const { cw, ch } = grid;
  const nc = cw * ch;
  const fwc = faceW / k;
  const cellPts = (ids: number[]) => pick(g.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
  const zone = new Float32Array(nc);
  const open = new Float32Array(nc);
  const brow = new Float32Array(nc);
  for (const [eyeIds, browIds] of [[EYE_RIGHT, BROW_RIGHT], [EYE_LEFT, BROW_LEFT]]) {
    const eye = cellPts(eyeIds);
    const br = cellPts(browIds);
    fillPolygon(zone, cw, ch, growPolygon(convexHull([...eye, ...br]), Math.max(0, opts.socketLidGrow) * fwc), 1);
    fillPolygon(open, cw, ch, growPolygon(eye, SOCKET_LID_KEEP * fwc), 1);
    fillPolygon(brow, cw, ch, growPolygon(br, SOCKET_LID_KEEP * fwc), 1);
  }
  const [bx0, by0, bx1, by1] = cellsBox(zone, cw, nc);
  if (bx1! < 0) return;
  const rect = { x0: bx0! * k, y0: by0! * k, x1: Math.min(w, (bx1! + 1) * k), y1: Math.min(h, (by1! + 1) * k) };
  const sSum = new Float32Array(nc);
  const tSum = new Float32Array(nc);
  const cov = new Float32Array(nc);
  coveredSums(sLab[0]!, tLab[0]!, sSum, tSum, undefined, cov, w, h, k, cw, only, rect);
  const ms0 = new Float32Array(nc);
  const mt0 = new Float32Array(nc);
  const wt = new Float32Array(nc);
  const gain = gains[0]!, shift = shifts[0]!;
  lidStats(zone, open, brow, cov, sSum, tSum, gain, shift, ms0, mt0, wt, nc);
  const sigma = Math.max(0.5, opts.socketLidSigma * fwc);
  const wb = gaussBlur(wt, cw, ch, sigma);
  const ms = normalisedBlur(ms0, wt, wb, cw, ch, sigma);
  const mt = normalisedBlur(mt0, wt, wb, cw, ch, sigma);
  // a and b: the matched source's and the template's local means over the same cells (the shift
  // below takes them along with the lift: a lid lifted out of shadow kept the shadow's grey-blue).
  const chroma: Float32Array[][] = [];
  if (opts.socketLidChroma > 0) {
    for (const c of [1, 2]) {
      const cs = new Float32Array(nc), ct = new Float32Array(nc);
      coveredSums(sLab[c]!, tLab[c]!, cs, ct, undefined, undefined, w, h, k, cw, only, rect);
      lidChromaStats(wt, cov, cs, ct, gains[c]!, shifts[c]!, nc);
      chroma.push([normalisedBlur(cs, wt, wb, cw, ch, sigma), normalisedBlur(ct, wt, wb, cw, ch, sigma)]);
    }
  }
  const soft = Math.max(0.5, 0.5 * Math.max(0, opts.socketLidGrow) * fwc);
  const zoneSoft = gaussBlur(zone, cw, ch, soft);
  const browSoft = gaussBlur(brow, cw, ch, Math.max(0.5, SOCKET_LID_KEEP * fwc));
  const openSoft = gaussBlur(open, cw, ch, Math.max(0.5, SOCKET_LID_KEEP * fwc));
  const lift = new Float32Array(nc);
  lidLift(Math.min(1, opts.socketLid), Math.min(1, Math.max(0, opts.socketLidOpen)), opts.socketLidTolerance, Math.log(Math.max(1, opts.socketLidMax)), zoneSoft, brow, browSoft, open, openSoft, wb, ms, mt, gain, shift, lift, nc);
  for (let c = 0; c < chroma.length; c++) lidChroma(Math.min(1, opts.socketLidChroma), lift, chroma[c]![0]!, chroma[c]![1]!, shifts[c + 1]!, nc);
}

/** socketLidMatch()'s chroma statistics: the zone's cells' matched source and template means (in place of the sums), 0 elsewhere. */
function lidChromaStats(wt: Float32Array, cov: Float32Array, cs: Float32Array, ct: Float32Array, gain: Float32Array, shift: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    if (!wt[i]) { cs[i] = 0; ct[i] = 0; continue; }
    cs[i] = (cs[i] / cov[i]) * gain[i] + shift[i];
    ct[i] = ct[i] / cov[i];
  }
}

/** socketLidMatch()'s chroma: a shift toward the template's local mean, × share × how far the cell was lifted (full from a log lift of 0.3), bounded to ±15. */
function lidChroma(st: number, lift: Float32Array, ms: Float32Array, mt: Float32Array, shift: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    if (!(lift[i] > 0)) continue;
    shift[i] += st * Math.min(1, lift[i] / 0.3) * Math.min(15, Math.max(-15, mt[i] - ms[i]));
  }
}

/** socketLidMatch()'s statistics: per zone cell outside the openings and brows, the matched source's and the template's L means (L + 16, log) and their weight. */
function lidStats(zone: Float32Array, open: Float32Array, brow: Float32Array, cov: Float32Array, sSum: Float32Array, tSum: Float32Array, gain: Float32Array, shift: Float32Array, ms: Float32Array, mt: Float32Array, wt: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    if (!zone[i] || open[i] || brow[i] || !(cov[i] > 0)) continue;
    ms[i] = Math.log(Math.max(1, (sSum[i] / cov[i]) * gain[i] + shift[i] + 16));
    mt[i] = Math.log(Math.max(1, tSum[i] / cov[i] + 16));
    wt[i] = 1;
  }
}

/** socketLidMatch()'s lift: L + 16 × exp(bounded log ratio less the tolerance) × the weight, folded into the affine maps. */
function lidLift(st: number, openShare: number, tol: number, lMax: number, zoneSoft: Float32Array, brow: Float32Array, browSoft: Float32Array, open: Float32Array, openSoft: Float32Array, wb: Float32Array, ms: Float32Array, mt: Float32Array, gain: Float32Array, shift: Float32Array, lift: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    // Where the zone's statistics are near (their weight's blur ≥ 0.05, full from 0.2).
    const sup = Math.min(1, Math.max(0, (wb[i] - 0.05) / 0.15));
    const o = Math.max(open[i], openSoft[i]);
    const wgt = st * sup * Math.min(1, Math.max(0, (zoneSoft[i] - 0.1) / 0.8)) * (1 - Math.max(brow[i], browSoft[i])) * (1 - o + o * openShare);
    if (!(wgt > 0)) continue;
    const d = Math.min(lMax, mt[i] - ms[i] - tol);
    if (!(d > 0)) continue;
    lift[i] = wgt * d;
    const r = Math.exp(wgt * d);
    gain[i] *= r;
    shift[i] = shift[i] * r + 16 * (r - 1);
  }
}

/** socketMatch()'s band: its cells' bounding box [x0, y0, x1, y1] (x1 −1 when empty). */
function cellsBox(band: Float32Array, cw: number, nc: number): Int32Array {
  let bx0 = cw, by0 = nc, bx1 = -1, by1 = -1;
  for (let i = 0; i < nc; i++) {
    if (!band[i]) continue;
    const x = i % cw, y = (i / cw) | 0;
    if (x < bx0) bx0 = x;
    if (x > bx1) bx1 = x;
    if (y < by0) by0 = y;
    if (y > by1) by1 = y;
  }
  return Int32Array.of(bx0, by0, bx1, by1);
}

/** socketMatch()'s per-cell weights: the matched source's L mean, and the weights of both faces' local means. */
function socketWeights(band: Float32Array, cov: Float32Array, cnt: Float32Array, sSum: Float32Array, gain: Float32Array, shift: Float32Array, wl: Float32Array, keepStat: Float32Array, ring: Float32Array, matched: Float32Array, wS: Float32Array, wT: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    if (!(cov[i] > 0) || !band[i]) continue;
    matched[i] = (sSum[i] / cov[i]) * gain[i] + shift[i];
    wT[i] = wl[i];
    wS[i] = keepStat[i] ? 0 : Math.max(wl[i], ring[i] * (cov[i] / (cnt[i] || 1)));
  }
}

/** socketMatch()'s lift of the L maps toward the template's local means. */
function socketLift(st: number, bandSoft: Float32Array, keep: Float32Array, keepSoft: Float32Array, wbS: Float32Array, wbT: Float32Array, ms: Float32Array, mt: Float32Array, gain: Float32Array, shift: Float32Array, nc: number): void {
  for (let i = 0; i < nc; i++) {
    // Where both faces have enough measured skin near (their weights' blur ≥ 0.05, full from 0.2).
    const wgt = st * Math.min(1, Math.max(0, (bandSoft[i] - 0.1) / 0.8)) * (1 - Math.max(keep[i], keepSoft[i])) * Math.min(1, Math.max(0, (Math.min(wbS[i], wbT[i]) - 0.05) / 0.15));
    // The first SOCKET_TOL of the darkening stays: a socket's own depth is identity; a shadow is not.
    if (!(wgt > 0) || !(ms[i] > 2 && mt[i] > 2) || !(mt[i] > SOCKET_TOL * ms[i])) continue;
    const r = Math.pow(Math.min(SOCKET_MAX, mt[i] / (SOCKET_TOL * ms[i])), wgt);
    gain[i] *= r;
    shift[i] *= r;
  }
}

// socketsChroma: the shift toward the template's chroma is bounded to this (Lab units, per channel).
const SOCKET_CHROMA_MAX = 20;
// socketsChroma: cells paler than this share of the face's median chromaticity leave its statistics (full from SOCKET_PALE1).
const SOCKET_PALE0 = 0.5;
const SOCKET_PALE1 = 0.75;

/**
 * The eye sockets' fine chroma (ColourOptions.socketsChroma), folded into the a, b maps: in the
 * sockets' band (eye and brow included: the eye's opening is redone by eyes.ts, a brow takes the
 * skin's shift as in the main match), the matched source's local mean of a and b at σ =
 * socketsSigma (its plain means over the ring and skin, as socketMatch's L) is shifted to the
 * template's (over its skin), × strength × the band's weight. A source lit by two colours (a warm
 * bounce on the lower lids under a cool key) keeps a cast there that the coarse match (σ
 * chromaSigma, over skin, which leaves the lids out) cannot reach.
 */
function socketChroma(
  sLab: Float32Array[],
  tLab: Float32Array[],
  w: number,
  h: number,
  k: number,
  grid: { cw: number; ch: number; wl: Float32Array; tgt: Float32Array[] },
  gains: Float32Array[],
  shifts: Float32Array[],
  wS: Float32Array,
  wT: Float32Array,
  bandSoft: Float32Array,
  keep: Float32Array,
  keepSoft: Float32Array,
  sigma: number,
  rect: { x0: number; y0: number; x1: number; y1: number },
  st: number,
  only?: Uint8Array,
): void {
  const { cw, ch } = grid;
  const nc = cw * ch;
  // Both faces' plain means over the covered pixels of the band's cells.
  const sm: Float32Array[] = [];
  const cov = new Float32Array(nc);
  for (let c = 0; c < 3; c++) {
    const sSum = new Float32Array(nc);
    const tSum = new Float32Array(nc);
    coveredSums(sLab[c]!, tLab[c]!, sSum, tSum, undefined, c === 0 ? cov : undefined, w, h, k, cw, only, rect);
    sm.push(sSum);
  }
  for (let i = 0; i < nc; i++) for (let c = 0; c < 3; c++) sm[c]![i] = cov[i] > 0 ? sm[c]![i]! / cov[i] : 0;
  // Shine and hot spots (white light: bright and pale) are no skin colour: cells whose chromaticity,
  // √(a² + b²) ÷ (L + 16), is under SOCKET_PALE0 of the face's median over its weighted band cells
  // leave the statistics (full weight from SOCKET_PALE1). A template's shiny brow ridge pulled the
  // band toward grey-blue.
  const pale = (L: Float32Array, A: Float32Array, B: Float32Array, wt: Float32Array): Float32Array => {
    const q = new Float32Array(nc);
    const v: number[] = [];
    for (let i = 0; i < nc; i++) {
      q[i] = Math.hypot(A[i]!, B[i]!) / Math.max(1, L[i]! + 16);
      if (wt[i]! > 0.5) v.push(q[i]!);
    }
    const out = new Float32Array(nc);
    if (v.length < 8) return wt;
    const med = selectKth(Float64Array.from(v), v.length >> 1);
    for (let i = 0; i < nc; i++) out[i] = wt[i]! * Math.min(1, Math.max(0, (q[i]! / Math.max(1e-6, med) - SOCKET_PALE0) / (SOCKET_PALE1 - SOCKET_PALE0)));
    return out;
  };
  const wS2 = pale(sm[0]!, sm[1]!, sm[2]!, wS);
  const wT2 = pale(grid.tgt[0]!, grid.tgt[1]!, grid.tgt[2]!, wT);
  const wbS2 = gaussBlur(wS2, cw, ch, sigma);
  const wbT2 = gaussBlur(wT2, cw, ch, sigma);
  const wgt = new Float32Array(nc);
  for (let i = 0; i < nc; i++) wgt[i] = st * Math.min(1, Math.max(0, (bandSoft[i] - 0.1) / 0.8)) * (1 - Math.max(keep[i]!, keepSoft[i]!)) * Math.min(1, Math.max(0, (Math.min(wbS2[i]!, wbT2[i]!) - 0.05) / 0.15));
  for (const c of [1, 2]) {
    const matched = new Float32Array(nc);
    for (let i = 0; i < nc; i++) if (cov[i] > 0) matched[i] = sm[c]![i]! * gains[c]![i]! + shifts[c]![i]!;
    const ms = normalisedBlur(matched, wS2, wbS2, cw, ch, sigma);
    const mt = normalisedBlur(grid.tgt[c]!, wT2, wbT2, cw, ch, sigma);
    for (let i = 0; i < nc; i++) {
      if (!(wgt[i]! > 0)) continue;
      shifts[c]![i] += wgt[i]! * Math.min(SOCKET_CHROMA_MAX, Math.max(-SOCKET_CHROMA_MAX, mt[i]! - ms[i]!));
    }
  }
}

// Relight (ColourOptions.relight): cells whose lightness is this far (|log ratio|) from the robust
// field leave it on the next round (a nostril, a mole, a kept hair the skin test let through).
const RELIGHT_OUT = 0.25;
// The correction is bounded to [1 / RELIGHT_MAX, RELIGHT_MAX] per cell.
const RELIGHT_MAX = 2;

/** Robust normalised blur of one cell plane (L + 16): two rounds, outlying cells left out of the second. */
function robustField(v: Float32Array, wt: Float32Array, cw: number, ch: number, sigma: number, blurs: Map<number, Float32Array>): { f: Float32Array; wb: Float32Array } {
  let wb = weightBlur(wt, cw, ch, sigma, blurs);
  let f = normalisedBlur(v, wt, wb, cw, ch, sigma);
  const w2 = new Float32Array(wt.length);
  for (let i = 0; i < wt.length; i++) w2[i] = wt[i] > 0 && f[i] > 0 && Math.abs(Math.log(v[i] / f[i])) < RELIGHT_OUT ? wt[i] : 0;
  wb = gaussBlur(w2, cw, ch, sigma);
  f = normalisedBlur(v, w2, wb, cw, ch, sigma);
  return { f, wb };
}

/** The relight's per-cell map of the source (before the match): (L + 16)·r − 16, a·r + sa, b·r + sb; and the raw cells it replaced. */
interface Relit {
  r: Float32Array;
  sa: Float32Array;
  sb: Float32Array;
  raw: Float32Array[];
}

/**
 * ColourOptions.relight: the source's fine lighting (a shadow down one cheek, a lit band) and the
 * template's, per cell of the colour grid: the source's cells (skin and plain means) are de-lit in
 * place, so every statistic of the match sees the de-lit face; composeRelight() folds the map into
 * the match's affine maps (no pixel pass of its own).
 */
function relightFields(grid: CellGrid & { plain: Float32Array[] }, k: number, faceW: number, opts: ColourOptions, greySrc: number, blurs: Map<number, Float32Array>, geometry?: ShadingGeometry): Relit | undefined {
  const { cw, ch, wl: wt } = grid;
  // A colourless source or template: faded out with its chroma poverty (nothing touched when none is left).
  const st = Math.min(1, opts.relight) * (opts.relightGrey > 0 ? 1 - Math.min(1, opts.relightGrey) * Math.max(greySrc, greyWeight(grid.tgt, wt)) : 1);
  if (!(st > 0)) return undefined;
  const nc = cw * ch;
  const fine = Math.max(0.5, (opts.relightSigma * faceW) / k);
  const coarse = Math.max(0.5, (opts.lightingSigma * faceW) / k);
  // A face's lightness (L + 16) over skin: its coarse field, and its fine one (edge-preserving or plain).
  const lightness = (cells: Float32Array) => {
    const l = new Float32Array(nc);
    for (let i = 0; i < nc; i++) l[i] = wt[i] > 0 ? cells[i] + 16 : 0;
    return l;
  };
  const fields = (l: Float32Array) => ({
    c: robustField(l, wt, cw, ch, coarse, blurs),
    f: opts.relightEdge > 0 ? bilateralField(l, wt, cw, ch, fine, opts.relightEdge, blurs) : robustField(l, wt, cw, ch, fine, blurs),
  });
  const { c: sc, f: sf } = fields(lightness(grid.src[0]));
  const gate = relightGateMap(sf.f, sc.f, wt, cw, ch, fine, k, faceW, opts, geometry);
  // Gated out everywhere (a source without a hard shadow): nothing to do.
  if (gate && !gate.some((v) => v > 0)) return undefined;
  // The template's fields only when its fine lighting is put in.
  const { c: tc, f: tf } = opts.relightTemplate > 0 ? fields(lightness(grid.tgt[0])) : { c: sc, f: sf };
  const r = new Float32Array(nc);
  relightRatio(sf.f, sc.f, tf.f, tc.f, sf.wb, st, opts.relightTemplate, opts.relightTolerance, gate, r);
  // The fine chroma variation left once the light is out: the de-lit cells' fine field over their coarse one.
  const sa = new Float32Array(nc);
  const sb = new Float32Array(nc);
  const cShare = st * opts.relightChroma;
  if (cShare > 0) {
    const wbF = weightBlur(wt, cw, ch, fine, blurs);
    const wbC = weightBlur(wt, cw, ch, coarse, blurs);
    const v = new Float32Array(nc);
    for (const [c, out] of [[1, sa], [2, sb]] as [number, Float32Array][]) {
      const cells = grid.src[c];
      for (let i = 0; i < nc; i++) v[i] = cells[i] * r[i];
      const f = normalisedBlur(v, wt, wbF, cw, ch, fine);
      const cc = normalisedBlur(v, wt, wbC, cw, ch, coarse);
      chromaFlatten(f, cc, wbF, cShare, gate, out);
    }
  }
  const raw = [...grid.src.map((p) => p.slice()), ...grid.plain.map((p) => p.slice())];
  delightCells(grid.src, r, sa, sb);
  delightCells(grid.plain, r, sa, sb);
  return { r, sa, sb, raw };
}

// Relight gate: full this far (log) past relightGate.
const RELIGHT_GATE_BAND = 0.1;

/**
 * The relight's per-cell share (0..1), or undefined when every cell takes it whole: the shadow gate
 * (the source's fine field this far from its coarse one), the per-image share of skin so gated,
 * and the identity region (eyes with brows, nose, lips, grown by relightKeep) left out.
 */
export function relightGateMap(sf: Float32Array, sc: Float32Array, wt: Float32Array, cw: number, ch: number, fine: number, k: number, faceW: number, opts: ColourOptions, geometry?: ShadingGeometry): Float32Array | undefined {
  const gateOn = opts.relightGate > 0;
  const shareOn = opts.relightShare > 0;
  const keepOn = opts.relightKeep > 0 && geometry !== undefined;
  if (!gateOn && !shareOn && !keepOn) return undefined;
  const nc = cw * ch;
  const m = new Float32Array(nc).fill(1);
  const dark = opts.relightDarkOnly > 0;
  if (gateOn) {
    const raw = new Float32Array(nc);
    for (let i = 0; i < nc; i++) {
      if (!(sf[i] > 1 && sc[i] > 1)) continue;
      const l = Math.log(sc[i] / sf[i]);
      const d = dark ? l : Math.abs(l);
      raw[i] = Math.min(1, Math.max(0, (d - opts.relightGate) / RELIGHT_GATE_BAND));
    }
    // Softened a little: no cell-sized steps where the deviation crosses the gate.
    const soft = gaussBlur(raw, cw, ch, Math.max(0.5, fine / 2));
    for (let i = 0; i < nc; i++) m[i] = Math.max(raw[i], soft[i]);
  }
  if (shareOn) {
    let skin = 0;
    let past = 0;
    for (let i = 0; i < nc; i++) {
      if (!(wt[i] > 0.5 && sf[i] > 1 && sc[i] > 1)) continue;
      const l = Math.log(sc[i] / sf[i]);
      skin++;
      if ((dark ? l : Math.abs(l)) > opts.relightShareAt) past++;
    }
    const share = skin > 0 ? past / skin : 0;
    const img = Math.min(1, Math.max(0, (share - opts.relightShare) / opts.relightShare));
    if (img < 1) for (let i = 0; i < nc; i++) m[i] *= img;
  }
  if (keepOn) {
    const fwc = faceW / k;
    const cellPts = (ids: number[]) => pick(geometry.pos, ids).map(([x, y]) => [x / k, y / k] as [number, number]);
    const hard = new Float32Array(nc);
    const grow = opts.relightKeep * fwc;
    for (const ids of [[...EYE_RIGHT, ...BROW_RIGHT], [...EYE_LEFT, ...BROW_LEFT], [...NOSE, 64, 294], LIPS_OUTER]) {
      fillPolygon(hard, cw, ch, growPolygon(convexHull(cellPts(ids)), grow), 1);
    }
    // Fades in over a band as wide as the margin, outside it.
    const soft = gaussBlur(hard, cw, ch, Math.max(0.5, grow / 2));
    for (let i = 0; i < nc; i++) m[i] *= 1 - Math.max(hard[i] > 0 ? 1 : 0, Math.min(1, 2 * soft[i]));
  }
  return m;
}

function relightRatio(sf: Float32Array, sc: Float32Array, tf: Float32Array, tc: Float32Array, wb: Float32Array, st: number, tShare: number, tol: number, gate: Float32Array | undefined, r: Float32Array): void {
  for (let i = 0; i < r.length; i++) {
    // Only where skin was measured near (the fine weight's blur 0.05 → 0.25), and the gate passes.
    const g = st * Math.min(1, Math.max(0, (wb[i] - 0.05) / 0.2)) * (gate ? gate[i] : 1);
    let q = 1;
    if (g > 0 && sf[i] > 1 && sc[i] > 1) {
      // The source's deviation beyond the tolerance only (a shadow, not relief).
      const d = Math.log(sc[i] / sf[i]);
      q = Math.exp(d > tol ? d - tol : d < -tol ? d + tol : 0);
      if (tShare > 0 && tf[i] > 1 && tc[i] > 1) q *= Math.pow(tf[i] / tc[i], tShare);
      q = Math.pow(Math.min(RELIGHT_MAX, Math.max(1 / RELIGHT_MAX, q)), g);
    }
    r[i] = q;
  }
}

function chromaFlatten(f: Float32Array, cc: Float32Array, wb: Float32Array, share: number, gate: Float32Array | undefined, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = -share * Math.min(1, Math.max(0, (wb[i] - 0.05) / 0.2)) * (gate ? gate[i] : 1) * (f[i] - cc[i]);
}

function delightCells(cells: Float32Array[], r: Float32Array, sa: Float32Array, sb: Float32Array): void {
  const [L, A, B] = cells;
  for (let i = 0; i < r.length; i++) {
    L[i] = (L[i] + 16) * r[i] - 16;
    A[i] = A[i] * r[i] + sa[i];
    B[i] = B[i] * r[i] + sb[i];
  }
}

/**
 * The match's maps (from de-lit values) composed with the relight's (from the pixels): gain·r and
 * shift + gain·s per channel; the grid's source cells back to the raw ones, which every later step
 * reads through the composed maps.
 */
function composeRelight(grid: CellGrid & { plain: Float32Array[] }, relit: Relit, gains: Float32Array[], shifts: Float32Array[]): void {
  const { r, sa, sb, raw } = relit;
  composeChannel(gains[0], shifts[0], r, r, 16);
  composeChannel(gains[1], shifts[1], r, sa, 0);
  composeChannel(gains[2], shifts[2], r, sb, 0);
  for (let c = 0; c < 3; c++) {
    grid.src[c].set(raw[c]);
    grid.plain[c].set(raw[3 + c]);
  }
}

/** gain·r and shift + gain·s, where s = k·(r − 1) for lightness (k = 16) or the chroma shift (k = 0). */
function composeChannel(gain: Float32Array, shift: Float32Array, r: Float32Array, s: Float32Array, k: number): void {
  for (let i = 0; i < gain.length; i++) {
    const add = k > 0 ? k * (r[i] - 1) : s[i];
    shift[i] += gain[i] * add;
    gain[i] *= r[i];
  }
}

/**
 * Edge-preserving field of a cell plane (values > 0, weight `wt`): each cell the weighted mean of
 * its neighbours within 2σ whose log value is near its guide's (a small normalised blur, which
 * fills the cells without weight: eyes, brows, lips), Gaussian in distance (σ) and in log value
 * (σr). `wb` is the plain normalised blur's weight, for the fade where no skin is near.
 */
function bilateralField(v: Float32Array, wt: Float32Array, cw: number, ch: number, sigma: number, sigmaR: number, blurs: Map<number, Float32Array>): { f: Float32Array; wb: Float32Array } {
  const nc = cw * ch;
  const gs = Math.max(0.5, sigma / 4);
  const guide = normalisedBlur(v, wt, weightBlur(wt, cw, ch, gs, blurs), cw, ch, gs);
  const wb = weightBlur(wt, cw, ch, sigma, blurs);
  const lg = new Float32Array(nc);
  const lv = new Float32Array(nc);
  for (let i = 0; i < nc; i++) {
    lg[i] = guide[i] > 1 ? Math.log(guide[i]) : 0;
    lv[i] = v[i] > 1 ? Math.log(v[i]) : 0;
  }
  // Taps every `stride` cells out to 2σ (about 13 a side): a Gaussian that wide loses nothing to it.
  const stride = Math.max(1, Math.round(sigma / 3));
  const taps = Math.max(1, Math.round((2 * sigma) / stride));
  const side = 2 * taps + 1;
  const ks = new Float32Array(side * side);
  for (let dy = -taps; dy <= taps; dy++) for (let dx = -taps; dx <= taps; dx++) ks[(dy + taps) * side + dx + taps] = Math.exp(-((dx * stride) ** 2 + (dy * stride) ** 2) / (2 * sigma * sigma));
  // Range weights from a table over |Δlog| up to 4σr.
  const steps = 256;
  const step = (4 * sigmaR) / steps;
  const kr = new Float32Array(steps + 1);
  for (let j = 0; j <= steps; j++) kr[j] = Math.exp(-((j * step) ** 2) / (2 * sigmaR * sigmaR));
  const f = new Float32Array(nc);
  bilateralCells(v, wt, lg, lv, ks, kr, 1 / step, steps, taps, stride, cw, ch, f);
  for (let i = 0; i < nc; i++) if (!(f[i] > 0)) f[i] = guide[i];
  return { f, wb };
}

function bilateralCells(v: Float32Array, wt: Float32Array, lg: Float32Array, lv: Float32Array, ks: Float32Array, kr: Float32Array, inv: number, steps: number, taps: number, stride: number, cw: number, ch: number, out: Float32Array): void {
  const side = 2 * taps + 1;
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const i = y * cw + x;
      const g = lg[i];
      if (g === 0) continue;
      let sw = 0, sv = 0;
      for (let ty = -taps; ty <= taps; ty++) {
        const yy = y + ty * stride;
        if (yy < 0 || yy >= ch) continue;
        const krow = (ty + taps) * side + taps;
        for (let tx = -taps; tx <= taps; tx++) {
          const xx = x + tx * stride;
          if (xx < 0 || xx >= cw) continue;
          const j = yy * cw + xx;
          const wj = wt[j];
          if (!(wj > 0)) continue;
          const d = Math.abs(lv[j] - g) * inv;
          if (d >= steps) continue;
          const q = wj * ks[krow + tx] * kr[d | 0];
          sw += q;
          sv += q * v[j];
        }
      }
      out[i] = sw > 1e-6 ? sv / sw : 0;
    }
  }
}
