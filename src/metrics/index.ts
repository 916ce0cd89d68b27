export { createMetrics, type Metrics, type MetricsOptions } from './metrics.ts';
export { installHttpMetrics } from './http.ts';
export { instrumentEngine, instrumentFetcher, instrumentHandler, jobEndRecorder } from './instrument.ts';
