// Safe downloads of caller-given URLs: the public surface of src/fetch.
export { isForbiddenAddress, isMetadataAddress } from './address-policy.ts';
export { createGuardedAgent, ForbiddenAddressError, type GuardedAgentOptions, type LookupFunction } from './guarded-agent.ts';
export { checkUrlSyntax, MAX_URL_LENGTH } from './url.ts';
export { downloadImage, DEFAULT_DOWNLOAD_LIMITS, type DownloadLimits, type DownloadedImage } from './download-image.ts';
export { postJson, MAX_ANSWER_BYTES } from './post-json.ts';
