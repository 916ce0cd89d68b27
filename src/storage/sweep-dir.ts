// Deletes files whose mtime is older than ttlMs: results and console uploads expire this way.
import fs from 'node:fs';
import path from 'node:path';

export async function sweepDir(dir: string, ttlMs: number, now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await fs.promises.readdir(dir)) {
    const p = path.join(dir, name);
    const st = await fs.promises.stat(p).catch(() => undefined);
    if (st && st.mtimeMs + ttlMs <= now) {
      await fs.promises.rm(p, { force: true });
      removed++;
    }
  }
  return removed;
}
