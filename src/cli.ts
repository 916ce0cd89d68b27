// One entry: wanxing serve | swap | keys | notify.
import { Command } from 'commander';
import { ConfigError, loadConfig } from './config.ts';
import { migrateNotify, SqliteNotificationStore } from './notify/index.ts';
import { openDatabase } from './queue/sqlite/db.ts';
import { openAppStore, startService } from './service.ts';

const program = new Command('wanxing').description('Wanxing AI Portrait: face-swap portrait service').showHelpAfterError();

program
  .command('serve', { isDefault: true })
  .description('run the service (embedded: API, queue, engine workers and notifier in one process)')
  .option('-p, --port <port>', 'port to listen on (env PORT, default 8080)')
  .option('--workers <n>', 'engine worker threads (env WANXING_WORKERS, default: one per core)')
  .action(async (opts: { port?: string; workers?: string }) => {
    const config = loadConfig({ ...process.env, ...(opts.port && { PORT: opts.port }), ...(opts.workers && { WANXING_WORKERS: opts.workers }) });
    const service = await startService(config);
    const stop = async () => {
      await service.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('swap')
  .description('swap the face of --source into --target and write --out (no server needed)')
  .requiredOption('-s, --source <file>', 'photo of the user (jpg/png)')
  .requiredOption('-t, --target <file>', 'template portrait (jpg/png)')
  .requiredOption('-o, --out <file>', 'where to write the result')
  .option('--json', 'print stage timings, faces, landmarks and the checks as JSON')
  .action(async (opts: { source: string; target: string; out: string; json?: boolean }) => {
    const { runSwapCommand } = await import('./engine/cli.ts');
    process.exitCode = await runSwapCommand(opts);
  });

const keys = program.command('keys').description('manage apps (AppKey/AppSecret pairs) in the data directory');
function appStore() {
  const config = loadConfig();
  return openAppStore(config, openDatabase(config.dataDir));
}
keys
  .command('list')
  .description('list apps')
  .option('--secrets', 'show the secrets too')
  .action((opts: { secrets?: boolean }) => {
    for (const a of appStore().list()) {
      const state = a.revokedAt ? `revoked ${new Date(a.revokedAt).toISOString()}` : 'active';
      console.log([a.appKey, opts.secrets ? a.appSecret : '********', a.name, new Date(a.createdAt).toISOString(), state].join('\t'));
    }
  });
keys
  .command('create')
  .description('create an app and print its AppKey and AppSecret')
  .option('--name <name>', 'a label', 'app')
  .action((opts: { name: string }) => {
    const a = appStore().create(opts.name);
    console.log(`AppKey:    ${a.appKey}\nAppSecret: ${a.appSecret}`);
  });
keys
  .command('revoke <appKey>')
  .description('revoke an app; its requests are refused from then on')
  .action((appKey: string) => {
    if (!appStore().revoke(appKey)) {
      console.error(`no active app ${appKey}`);
      process.exitCode = 1;
    } else console.log(`revoked ${appKey}`);
  });

program
  .command('notify')
  .description('webhook notifications')
  .command('redeliver <jobId>')
  .description("send a job's notification again (a fresh set of 11 attempts)")
  .action((jobId: string) => {
    const db = openDatabase(loadConfig().dataDir);
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
