// npm run panel:score -- <panel>.key.json <ratings.json>...
// Ratings: {"rater": "A", "ratings": {"img01.png": 4, …}} (the panel's ratings.json filled in), or a
// plain {"img01.png": 4, …}. Prints, per rater and pooled: the share of swaps rated ≥ 4 (flagged as
// edited), the share of untouched photos rated ≥ 4, and the mean rating of each.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { PanelKey } from './panel.ts';

export interface Score {
  rater: string;
  swaps: number;
  swapsFlagged: number;
  untouched: number;
  untouchedFlagged: number;
  swapMean: number;
  untouchedMean: number;
  missing: string[];
}

export function score(key: PanelKey, rater: string, ratings: Record<string, number | null>): Score {
  const kinds = new Map(key.items.map((i) => [i.name, i.kind]));
  for (const k of Object.keys(ratings)) if (!kinds.has(k)) throw new Error(`${rater}: ${k} is not in the panel`);
  const s: Score = { rater, swaps: 0, swapsFlagged: 0, untouched: 0, untouchedFlagged: 0, swapMean: 0, untouchedMean: 0, missing: [] };
  for (const [name, kind] of kinds) {
    const r = ratings[name];
    if (r === null || r === undefined) {
      s.missing.push(name);
      continue;
    }
    if (!Number.isInteger(r) || r < 1 || r > 5) throw new Error(`${rater}: ${name} is rated ${r}; ratings are whole numbers 1–5`);
    if (kind === 'swap') {
      s.swaps++;
      s.swapMean += r;
      if (r >= 4) s.swapsFlagged++;
    } else {
      s.untouched++;
      s.untouchedMean += r;
      if (r >= 4) s.untouchedFlagged++;
    }
  }
  s.swapMean /= s.swaps || 1;
  s.untouchedMean /= s.untouched || 1;
  return s;
}

export function pool(scores: Score[]): Score {
  const p: Score = { rater: 'pooled', swaps: 0, swapsFlagged: 0, untouched: 0, untouchedFlagged: 0, swapMean: 0, untouchedMean: 0, missing: [] };
  for (const s of scores) {
    p.swaps += s.swaps;
    p.swapsFlagged += s.swapsFlagged;
    p.untouched += s.untouched;
    p.untouchedFlagged += s.untouchedFlagged;
    p.swapMean += s.swapMean * s.swaps;
    p.untouchedMean += s.untouchedMean * s.untouched;
  }
  p.swapMean /= p.swaps || 1;
  p.untouchedMean /= p.untouched || 1;
  return p;
}

async function main(): Promise<void> {
  const [keyFile, ...files] = process.argv.slice(2);
  if (!keyFile || !files.length) throw new Error('usage: npm run panel:score -- <panel>.key.json <ratings.json>...');
  const key = JSON.parse(await readFile(keyFile, 'utf8')) as PanelKey;
  const scores: Score[] = [];
  for (const f of files) {
    const doc = JSON.parse(await readFile(f, 'utf8')) as { rater?: string; ratings?: Record<string, number | null> } & Record<string, unknown>;
    const ratings = (doc.ratings ?? doc) as Record<string, number | null>;
    scores.push(score(key, doc.rater || path.basename(f, '.json'), ratings));
  }
  const pc = (k: number, n: number) => (n ? `${((100 * k) / n).toFixed(0)} % (${k}/${n})` : '–');
  const lines = ['| rater | swaps rated ≥ 4 | untouched rated ≥ 4 | mean, swaps | mean, untouched |', '|---|---|---|---|---|'];
  for (const s of [...scores, ...(scores.length > 1 ? [pool(scores)] : [])]) {
    lines.push(`| ${s.rater} | ${pc(s.swapsFlagged, s.swaps)} | ${pc(s.untouchedFlagged, s.untouched)} | ${s.swapMean.toFixed(2)} | ${s.untouchedMean.toFixed(2)} |`);
  }
  for (const s of scores) if (s.missing.length) lines.push(`${s.rater} left ${s.missing.length} unrated: ${s.missing.join(', ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}

if (process.argv[1]?.endsWith('panel-score.ts')) await main();
