export { buildStringToSign, type StringToSignInput } from './string-to-sign.ts';
export { verifyGatewayRequest, DEFAULT_MAX_SKEW_MS, type VerifyResult, type VerifyDeps, type SignatureMethod } from './verify.ts';
export { MemoryNonceStore, type NonceStore } from './nonce-store.ts';
export { MemoryRateLimiter, type RateLimiter } from './rate-limiter.ts';
export { RedisNonceStore, RedisRateLimiter } from './redis-stores.ts';
export { gatewayAuth, type GatewayAuthOptions, REQUEST_ID_HEADER, ERROR_MESSAGE_HEADER } from './plugin.ts';
export { signGatewayRequest, type SignOptions } from './sign.ts';
export { GatewayMessage } from './messages.ts';
