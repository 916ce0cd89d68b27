// Failure texts as the Alibaba Cloud API Gateway writes them in X-Ca-Error-Message, so that clients
// (and the official SDKs, which parse "Invalid Signature, Server StringToSign:") recognise them.

export const GatewayMessage = {
  missingHeader: (name: string) => `Header \`${name}\` is Required`,
  invalidHeader: (name: string, reason: string) => `Invalid Header \`${name}\` ${reason}`,
  invalidAppKey: 'Invalid AppKey',
  invalidTimestamp: 'Invalid Timestamp',
  invalidNonce: 'Invalid Nonce',
  nonceUsed: 'Nonce Used',
  invalidContentMd5: 'Invalid Content-MD5',
  invalidSignature: 'Invalid Signature',
  throttledApp: 'Throttled by APP Flow Control',
  bodyTooLarge: 'Request Body Too Large',
} as const;

export const SIGNATURE_PREFIX = 'Invalid Signature, Server StringToSign:';

/**
 * Header values may not hold line breaks or non-ASCII, so the gateway prints the StringToSign with
 * its newlines replaced by '#'; anything else unprintable is \u-escaped here rather than dropped.
 */
export function headerSafe(text: string): string {
  return text
    .replace(/\n/g, '#')
    .replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export function invalidSignatureMessage(stringToSign: string): string {
  return `${SIGNATURE_PREFIX}\`${headerSafe(stringToSign)}\``;
}
