// `wanxing templates add|list|rm`: an app's template catalogue on a running service (POST /templates…,
// signed, through the typed client), like `wanxing submit`. A file is sent inline (image_base64); a
// URL is downloaded by the service.
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { Template } from '../client/index.ts';
import { connect, run, UsageError, withConn, type ConnOpts } from './api.ts';

const faceLine = (t: Template) => {
  const ok = t.faces.filter((f) => f.check.ok).length;
  return `${t.faces.length} face${t.faces.length === 1 ? '' : 's'}${ok < t.faces.length ? ` (${ok} usable)` : ''}`;
};

export function registerTemplateCommands(program: Command): void {
  const templates = program.command('templates').description("an app's registered templates on a running service: swap with `template_id` instead of target_url");

  withConn(
    templates
      .command('add <image...>')
      .description('register templates from files or http(s) URLs; prints each template id')
      .option('--name <name>', 'a label (for several images: the same label, numbered)')
      .option('--json', 'one JSON line per template'),
  ).action((images: string[], opts: ConnOpts & { name?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const client = connect(opts);
      let failed = 0;
      for (const [i, image] of images.entries()) {
        const name = opts.name === undefined ? undefined : images.length > 1 ? `${opts.name} ${i + 1}` : opts.name;
        try {
          const input = /^https?:\/\//i.test(image) ? { imageUrl: image } : { image: await readFile(image).catch((e: Error) => Promise.reject(new UsageError(`${image}: ${e.message}`))) };
          const t = await client.registerTemplate({ ...input, ...(name !== undefined && { name }) });
          if (opts.json) console.log(JSON.stringify({ image, template_id: t.templateId, name: t.name, width: t.width, height: t.height, faces: t.faces }));
          else console.log(`${t.templateId}\t${image}\t${t.width}×${t.height}\t${faceLine(t)}`);
        } catch (err) {
          // One bad image does not stop the rest; the exit code says something failed.
          if (images.length === 1) throw err;
          failed++;
          const e = err as Error & { error?: string; status?: number; errmsg?: string };
          if (opts.json) console.log(JSON.stringify({ image, ...(e.error ? { status: e.status, error: e.error, errmsg: e.errmsg } : { error: e.message }) }));
          console.error(`${image}: ${e.message}`);
        }
      }
      if (failed) process.exitCode = 2;
    }),
  );

  withConn(
    templates
      .command('list')
      .description('list the templates, newest first (all pages)')
      .option('--json', 'one JSON line per template'),
  ).action((opts: ConnOpts & { json?: boolean }) =>
    run(opts.json, async () => {
      const client = connect(opts);
      let cursor: string | undefined;
      do {
        const page = await client.listTemplates({ cursor, limit: 100 });
        for (const t of page.templates) {
          if (opts.json) console.log(JSON.stringify({ template_id: t.templateId, name: t.name, created_at: t.createdAt, width: t.width, height: t.height, faces: t.faces }));
          else console.log([t.templateId, t.name || '-', t.createdAt, `${t.width}×${t.height}`, faceLine(t)].join('\t'));
        }
        cursor = page.nextCursor;
      } while (cursor);
    }),
  );

  withConn(templates.command('rm <templateId...>').description('delete templates (jobs already queued on them still finish)').option('--json', 'print JSON')).action(
    (ids: string[], opts: ConnOpts & { json?: boolean }) =>
      run(opts.json, async () => {
        const client = connect(opts);
        for (const id of ids) {
          await client.deleteTemplate(id);
          console.log(opts.json ? JSON.stringify({ template_id: id, deleted: true }) : `deleted ${id}`);
        }
      }),
  );
}
