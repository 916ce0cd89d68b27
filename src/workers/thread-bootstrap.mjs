// Worker threads do not inherit tsx's loader on Node 20: register it here when there is TypeScript to
// load (the sources, or an operator's .ts engine), then load the entry. The prebuilt bundle is plain JS.
import { workerData } from 'node:worker_threads';

const js = (url) => /\.m?js$/.test(url ?? '');
if (!js(workerData.entry) || (workerData.spec && !js(workerData.spec.module))) (await import('tsx/esm/api')).register();
await import(workerData.entry);
