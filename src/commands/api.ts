// `wanxing submit` and `wanxing query`: the API for shell users, through the typed client (signed
// requests). Endpoint and credentials come from flags or WANXING_URL / WANXING_APP_KEY / WANXING_APP_SECRET.
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { JobFailedError, WanxingApiError, WanxingClient, type JobStatus } from '../client/index.ts';
import { startProgress } from './progress.ts';
import { parseStyleOption, type SwapStyle } from './style-arg.ts';

export interface ConnOpts {
  url?: string;
  key?: string;
  secret?: string;
}

export function connect(opts: ConnOpts): WanxingClient {
  const appKey = opts.key ?? process.env.WANXING_APP_KEY;
  const appSecret = opts.secret ?? process.env.WANXING_APP_SECRET;
  if (!appKey || !appSecret) throw new UsageError('give --key and --secret (or WANXING_APP_KEY and WANXING_APP_SECRET); see `wanxing keys list --secrets`');
  const baseUrl = opts.url ?? process.env.WANXING_URL ?? `http://localhost:${process.env.PORT ?? 8080}`;
  return new WanxingClient({ baseUrl, appKey, appSecret });
}

export class UsageError extends Error {}

export function withConn(cmd: Command): Command {
  return cmd
    .option('--url <base>', 'service base URL (env WANXING_URL, default http://localhost:$PORT)')
    .option('--key <appKey>', 'AppKey (env WANXING_APP_KEY)')
    .option('--secret <appSecret>', 'AppSecret (env WANXING_APP_SECRET)');
}

/** Waits with a live state line on a terminal; prints the result URL (and saves it with --out). */
async function waitAndReport(client: WanxingClient, jobId: string, opts: { json?: boolean; out?: string; waitTimeout?: string }) {
  const progress = startProgress(`${jobId} pending`);
  try {
    const url = await client.waitForResult(jobId, {
      intervalMs: 300,
      maxIntervalMs: 2000,
      timeoutMs: opts.waitTimeout ? Number(opts.waitTimeout) * 1000 : undefined,
      onStatus: (s: JobStatus) => progress.set(`${jobId} ${s}`),
    });
    progress.done(`${jobId} finish`);
    if (opts.out) {
      const res = await fetch(url);
      if (!res.ok) throw new Error(`downloading the result: HTTP ${res.status}`);
      await writeFile(opts.out, Buffer.from(await res.arrayBuffer()));
    }
    console.log(opts.json ? JSON.stringify({ job_id: jobId, job_status: 'finish', result_url: url, ...(opts.out && { out: opts.out }) }) : url);
  } catch (err) {
    progress.done();
    throw err;
  }
}

/** Runs a command body; API and job failures print one line and set the exit code. */
export async function run(json: boolean | undefined, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof JobFailedError) {
      if (json) console.log(JSON.stringify({ job_id: err.jobId, job_status: 'fail', code: err.code, reason: err.reason }));
      console.error(`job ${err.jobId} failed: ${err.code} ${err.reason}`);
      process.exitCode = 3;
    } else if (err instanceof WanxingApiError) {
      if (json) console.log(JSON.stringify({ status: err.status, error: err.error, errmsg: err.errmsg }));
      console.error(`${err.error} (${err.status}): ${err.errmsg}`);
      process.exitCode = 2;
    } else {
      console.error((err as Error).message);
      process.exitCode = err instanceof UsageError ? 64 : 1;
    }
  }
}

export function registerApiCommands(program: Command): void {
  withConn(
    program
      .command('submit')
      .description('submit a swap to a running service (POST /swapface, signed); prints the job id, or the result URL with --wait')
      .requiredOption('-s, --source <url>', "http(s) URL of the user's photo")
      .option('-t, --target <url>', 'http(s) URL of the template')
      .option('--template-id <id>', 'a registered template (`wanxing templates add`) instead of --target')
      .requiredOption('-n, --notify <url>', 'http(s) URL that receives the notification')
      .option('--timeout <seconds>', 'job timeout (server default 7200)')
      .option('--style <style>', "template (default): the template's make-up; source: the user's own", parseStyleOption)
      .option('-w, --wait', 'wait for the result, showing the state on a terminal')
      .option('-o, --out <file>', 'with --wait: save the result image here')
      .option('--wait-timeout <seconds>', 'with --wait: give up after this long (default 600)')
      .option('--json', 'print JSON instead of plain text'),
  ).action((opts: ConnOpts & { source: string; target?: string; templateId?: string; notify: string; timeout?: string; style?: SwapStyle; wait?: boolean; out?: string; waitTimeout?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const client = connect(opts);
      const timeout = opts.timeout === undefined ? undefined : Number(opts.timeout);
      if (timeout !== undefined && !Number.isFinite(timeout)) throw new UsageError(`--timeout ${opts.timeout}: expected seconds`);
      if (!opts.target === !opts.templateId) throw new UsageError('give one of --target <url> and --template-id <id>');
      const jobId = await client.submit({ sourceUrl: opts.source, ...(opts.target ? { targetUrl: opts.target } : { templateId: opts.templateId }), notifyUrl: opts.notify, timeout, ...(opts.style && { style: opts.style }) });
      if (opts.wait || opts.out) return waitAndReport(client, jobId, opts);
      console.log(opts.json ? JSON.stringify({ job_id: jobId }) : jobId);
    }),
  );

  withConn(
    program
      .command('query <jobId>')
      .description("print a job's state (POST /query, signed): pending, preparing, running, finish <url> or fail <code> <reason>")
      .option('-w, --wait', 'wait until the job ends, showing the state on a terminal')
      .option('-o, --out <file>', 'with --wait: save the result image here')
      .option('--wait-timeout <seconds>', 'with --wait: give up after this long (default 600)')
      .option('--json', 'print JSON instead of plain text'),
  ).action((jobId: string, opts: ConnOpts & { wait?: boolean; out?: string; waitTimeout?: string; json?: boolean }) =>
    run(opts.json, async () => {
      const client = connect(opts);
      if (opts.wait || opts.out) return waitAndReport(client, jobId, opts);
      const r = await client.query(jobId);
      if (opts.json) {
        console.log(JSON.stringify({ job_id: jobId, job_status: r.jobStatus, ...('resultUrl' in r && { result_url: r.resultUrl }), ...('code' in r && { code: r.code, reason: r.reason }) }));
      } else if (r.jobStatus === 'finish') console.log(`finish ${r.resultUrl}`);
      else if (r.jobStatus === 'fail') console.log(`fail ${r.code} ${r.reason}`);
      else console.log(r.jobStatus);
    }),
  );
}
