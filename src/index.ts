// The package entry (`import { WanxingClient } from 'wanxing'`): the typed API client, the
// notification verifier/receiver and the error table. Light on purpose: the service itself is
// `wanxing/service` (it loads the engine, SQLite and sharp).
export * from './client/index.ts';
export { signGatewayRequest, type SignOptions } from './api/gateway-auth/sign.ts';
export { openApiDocument } from './api/openapi.ts';
export { ERRORS, type ErrorName } from './jobs/errors.ts';
