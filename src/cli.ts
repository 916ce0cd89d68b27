// One entry: wanxing serve | worker | swap | keys | notify.
// Each command imports what it runs when it runs: `wanxing swap` does not load the server.
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import type { App } from './apps/app-store.ts';
import { registerApiCommands } from './commands/api.ts';
import { registerTemplateCommands } from './commands/templates.ts';
import { startProgress } from './commands/progress.ts';
import { collectFace, parseFaceOption } from './commands/face-args.ts';
import { parseStyleOption, type SwapStyle } from './commands/style-arg.ts';
import type { FaceChoice } from './engine/faces.ts';

/** SIGINT/SIGTERM close cleanly (jobs in progress end or are left for recovery), then exit. */
function closeOnSignal(running: { close(): Promise<void> }): void {
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

const program = new Command('wanxing').description('Wanxing AI Portrait: face-swap portrait service').showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the service (embedded: API, queue, engine workers and notifier in one process)')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)')
  .option('--workers <n>', 'engine worker threads (env WANXING_WORKERS, default: one per core)')
  .option('--queue <kind>', 'sqlite (embedded, default) or redis: API only, swaps run in `wanxing worker` processes (env WANXING_QUEUE)')
  .action(async (opts: { port?: string; workers?: string; queue?: string }) => {
    const config = loadConfig({ ...process.env, ...(opts.port && { PORT: opts.port }), ...(opts.workers && { WANXING_WORKERS: opts.workers }), ...(opts.queue && { WANXING_QUEUE: opts.queue }) });
    const service = config.queue === 'redis' ? await (await import('./distributed/api.ts')).startApi(config) : await (await import('./service.ts')).startService(config);
    closeOnSignal(service);
  });

program
  .command('worker')
  .description('run engine workers only (distributed mode: jobs from Redis, results to S3; any number, on any machines)')
  .option('--workers <n>', 'engine worker threads (env WANXING_WORKERS, default: one per core)')
  .action(async (opts: { workers?: string }) => {
    const config = loadConfig({ ...process.env, WANXING_QUEUE: 'redis', ...(opts.workers && { WANXING_WORKERS: opts.workers }) });
    closeOnSignal(await (await import('./distributed/worker.ts')).startWorker(config)); // close() finishes the swaps in progress
  });

program
  .command('swap')
  .description('swap the face of --source into --target and write --out (no server needed)')
  .option('-s, --source <file...>', 'photo of the user (jpg/png); with --out-dir, several photos and/or folders of photos')
  .requiredOption('-t, --target <file>', 'template portrait (jpg/png)')
  .option('-o, --out <file>', 'where to write the result')
  .option('--out-dir <dir>', 'batch: one result per source photo in this folder, named after the source')
  .option('--resume', 'batch: skip sources whose result already exists in --out-dir')
  .option('--workers <n>', 'batch: engine threads (env WANXING_WORKERS, default: one per core)')
  .option('--json', 'print stage timings, faces, landmarks and the checks as JSON (batch: one line per photo)')
  .option('--no-label', 'no visible 「AI生成」 label (where WANXING_LABEL_ALLOW_OPT_OUT permits); the XMP label is always written')
  .option('--target-face <n|x,y>', 'the template face to replace: its index (reading order, as POST /faces) or a point X,Y inside it', (v: string) => parseFaceOption(v))
  .option('--face <src=n>', 'group: this photo into template face n (or a point x,y); repeat, up to 6, instead of --source', collectFace)
  .option('--engine <name>', 'classic, onnx or a module path (env WANXING_ENGINE, as the service)')
  .option('--style <style>', "template (default): the template's lip colour, a blue or green eye-shadow back to the skin's hue, a dark winged eyeliner lightened; source: the user's own make-up", parseStyleOption)
  .action(async (opts: { source?: string[]; target: string; out?: string; outDir?: string; resume?: boolean; workers?: string; json?: boolean; label?: boolean; targetFace?: FaceChoice; face?: { source: string; targetFace: FaceChoice }[]; engine?: string; style?: SwapStyle }) => {
    if (!opts.source && !opts.face) return program.error("error: required option '-s, --source <file...>' not specified (or --face SRC=INDEX for a group)");
    if (opts.face && (opts.source || opts.targetFace !== undefined || opts.outDir)) return program.error('error: --face replaces --source and --target-face, and makes one result (no --out-dir)');
    const source = opts.source ?? [];
    if (opts.outDir) return void (process.exitCode = await (await import('./commands/batch.ts')).runBatchCommand({ ...opts, source, outDir: opts.outDir }));
    if (!opts.out || source.length > 1) return program.error(opts.out ? 'error: several --source photos need --out-dir' : "error: required option '-o, --out <file>' not specified (or --out-dir for a batch)");
    // On a terminal: a live line while models load and the swap runs (--json output stays clean).
    const progress = opts.json ? undefined : startProgress('loading the engine and swapping…');
    // Input screening starts first, on its own thread (the other core), while the engine loads and swaps.
    const screening = (await import('./compliance/screen-async.ts')).startCliScreening({ target: opts.target, sources: opts.face ? opts.face.map((f) => f.source) : source.slice(0, 1) }) ?? null;
    const { runSwapCommand } = await import('./engine/cli.ts');
    process.exitCode = await runSwapCommand({ ...opts, source: source[0] ?? '', out: opts.out, faces: opts.face, screening }).finally(() => progress?.done());
    if (process.exitCode === 0 && !opts.json && process.stderr.isTTY) process.stderr.write(`wrote ${opts.out}\n`);
    // The result is written: exit once stdout has drained, without waiting for the threads and the
    // models' memory to be torn down (≈ 50 ms of a one-shot run).
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit();
  });

registerApiCommands(program);
registerTemplateCommands(program);

program
  .command('label')
  .description('AIGC labels (GB 45438-2025) of results')
  .command('verify <file>')
  .description("print a result's TC260 AIGC label and whether its HMAC holds (exit 0 holds, 3 absent or altered)")
  .option('--json', 'print the verdict as JSON')
  .action(async (file: string, opts: { json?: boolean }) => {
    process.exitCode = await (await import('./compliance/cli.ts')).runLabelVerify(file, opts);
  });

program
  .command('audit')
  .description('print audit records of ended jobs: app, times, SHA-256 of inputs and result, label, outcome, screening scores')
  .option('--job <id>', 'one job')
  .option('--since <when>', 'jobs ended since a date (2026-12-01T08:00Z) or a duration back from now (90m, 24h, 7d)')
  .option('--limit <n>', 'at most this many records (with --since)', '1000')
  .option('--json', 'one JSON object a line')
  .action(async (opts: { job?: string; since?: string; limit?: string; json?: boolean }) => {
    process.exitCode = await (await import('./compliance/cli.ts')).runAudit(opts);
  });

const keys = program.command('keys').description('manage apps (AppKey/AppSecret pairs): in the data directory, or in Redis with WANXING_QUEUE=redis');
/** The app store of the configured mode (SQLite in the data directory, or Redis), for one command. */
async function withApps<T>(fn: (apps: { list(): unknown; create(name: string): unknown; revoke(k: string): unknown }) => Promise<T>): Promise<T> {
  const config = loadConfig();
  if (config.queue === 'redis') return (await import('./distributed/admin.ts')).withRedisApps(config, fn);
  const [{ openAppStore }, { openDatabase }] = await Promise.all([import('./service.ts'), import('./queue/sqlite/db.ts')]);
  return fn(openAppStore(config, openDatabase(config.dataDir)));
}
keys
  .command('list')
  .description('list apps')
  .option('--secrets', 'show the secrets too')
  .action((opts: { secrets?: boolean }) =>
    withApps(async (apps) => {
      for (const a of (await apps.list()) as App[]) {
        const state = a.revokedAt ? `revoked ${new Date(a.revokedAt).toISOString()}` : 'active';
        console.log([a.appKey, opts.secrets ? a.appSecret : '********', a.name, new Date(a.createdAt).toISOString(), state].join('\t'));
      }
    }),
  );
keys
  .command('create')
  .description('create an app and print its AppKey and AppSecret')
  .option('--name <name>', 'a label', 'app')
  .action((opts: { name: string }) =>
    withApps(async (apps) => {
      const a = (await apps.create(opts.name)) as App;
      console.log(`AppKey:    ${a.appKey}\nAppSecret: ${a.appSecret}`);
    }),
  );
keys
  .command('revoke <appKey>')
  .description('revoke an app; its requests are refused from then on')
  .action((appKey: string) =>
    withApps(async (apps) => {
      if (!(await apps.revoke(appKey))) {
        console.error(`no active app ${appKey}`);
        process.exitCode = 1;
      } else console.log(`revoked ${appKey}`);
    }),
  );

program
  .command('notify')
  .description('webhook notifications')
  .command('redeliver <jobId>')
  .description("send a job's notification again (a fresh set of 11 attempts)")
  .action(async (jobId: string) => {
    const config = loadConfig();
    if (config.queue === 'redis') {
      const ok = await (await import('./distributed/admin.ts')).redeliverInRedis(config, jobId);
      if (!ok) {
        console.error(`no notification for job ${jobId}`);
        process.exitCode = 1;
      } else console.log(`queued ${jobId} for re-delivery; the running processes send it`);
      return;
    }
    const [{ openDatabase }, { migrateNotify, SqliteNotificationStore }] = await Promise.all([import('./queue/sqlite/db.ts'), import('./notify/index.ts')]);
    const db = openDatabase(config.dataDir);
    migrateNotify(db);
    const store = new SqliteNotificationStore(db);
    if (!store.resetForRedelivery(jobId, Date.now())) {
      console.error(`no notification for job ${jobId}`);
      process.exitCode = 1;
    } else console.log(`queued ${jobId} for re-delivery; the running service sends it within a second`);
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // A bad setting or an engine that cannot start: one clear line, not a stack trace.
  console.error(`wanxing: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
