// Template records in the embedded mode's SQLite database (the table is created on first use).
import type { Db } from '../queue/sqlite/db.ts';
import type { TemplateRecord, TemplateRecords } from './catalogue.ts';

interface Row {
  id: string;
  app_key: string;
  created_at: number;
  deleted_at: number | null;
  record: string;
}

export class SqliteTemplateRecords implements TemplateRecords {
  private readonly stmts;

  constructor(db: Db) {
    db.exec(`CREATE TABLE IF NOT EXISTS templates (
        id TEXT PRIMARY KEY, app_key TEXT NOT NULL, created_at INTEGER NOT NULL, deleted_at INTEGER, record TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS templates_by_app ON templates (app_key, created_at DESC, id DESC) WHERE deleted_at IS NULL;
      CREATE INDEX IF NOT EXISTS templates_deleted ON templates (deleted_at) WHERE deleted_at IS NOT NULL;`);
    this.stmts = {
      insert: db.prepare(`INSERT INTO templates (id, app_key, created_at, record) VALUES (?, ?, ?, ?)`),
      get: db.prepare(`SELECT * FROM templates WHERE id = ?`),
      first: db.prepare(`SELECT * FROM templates WHERE app_key = ? AND deleted_at IS NULL ORDER BY created_at DESC, id DESC LIMIT ?`),
      after: db.prepare(`SELECT * FROM templates WHERE app_key = @appKey AND deleted_at IS NULL
        AND (created_at < @createdAt OR (created_at = @createdAt AND id < @id)) ORDER BY created_at DESC, id DESC LIMIT @limit`),
      count: db.prepare(`SELECT COUNT(*) FROM templates WHERE app_key = ? AND deleted_at IS NULL`).pluck(),
      markDeleted: db.prepare(`UPDATE templates SET deleted_at = ? WHERE id = ? AND app_key = ? AND deleted_at IS NULL`),
      deletedBefore: db.prepare(`SELECT id FROM templates WHERE deleted_at IS NOT NULL AND deleted_at < ? LIMIT ?`).pluck(),
      forget: db.prepare(`DELETE FROM templates WHERE id = ? AND deleted_at IS NOT NULL`),
    };
  }

  async insert(rec: TemplateRecord): Promise<void> {
    this.stmts.insert.run(rec.id, rec.appKey, rec.createdAt, JSON.stringify(rec));
  }

  async get(id: string): Promise<TemplateRecord | undefined> {
    const row = this.stmts.get.get(id) as Row | undefined;
    return row && fromRow(row);
  }

  async list(appKey: string, after: { createdAt: number; id: string } | undefined, limit: number): Promise<TemplateRecord[]> {
    const rows = (after ? this.stmts.after.all({ appKey, ...after, limit }) : this.stmts.first.all(appKey, limit)) as Row[];
    return rows.map(fromRow);
  }

  async countLive(appKey: string): Promise<number> {
    return this.stmts.count.get(appKey) as number;
  }

  async markDeleted(appKey: string, id: string, now: number): Promise<boolean> {
    return this.stmts.markDeleted.run(now, id, appKey).changes === 1;
  }

  async deletedBefore(before: number, limit: number): Promise<string[]> {
    return this.stmts.deletedBefore.all(before, limit) as string[];
  }

  async forget(ids: string[]): Promise<void> {
    for (const id of ids) this.stmts.forget.run(id);
  }
}

function fromRow(r: Row): TemplateRecord {
  const rec = JSON.parse(r.record) as TemplateRecord;
  return r.deleted_at === null ? rec : { ...rec, deletedAt: r.deleted_at };
}
