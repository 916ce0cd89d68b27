import { Webhook } from 'standardwebhooks';

// Standard Webhooks (https://www.standardwebhooks.com): the signed content is `${id}.${timestamp}.${body}`,
// HMAC-SHA256. The key is the app secret's UTF-8 bytes; the library takes keys base64-encoded, so a
// receiver verifies with `new Webhook(Buffer.from(appSecret, 'utf8').toString('base64'))`.

/** The key string the `standardwebhooks` library expects for an app secret. */
export function webhookKey(appSecret: string): string {
  return Buffer.from(appSecret, 'utf8').toString('base64');
}

/**
 * The three Standard Webhooks headers. `msgId` stays the same across re-sends (receivers dedupe on it);
 * the timestamp is the send time (receivers reject ones older than 5 minutes). Without a secret (the app
 * was deleted, or none configured) only id and timestamp are sent: the seed's receivers don't verify.
 */
export function webhookHeaders(
  msgId: string,
  body: string,
  appSecret: string | undefined,
  at: Date,
): Record<string, string> {
  const headers: Record<string, string> = {
    'webhook-id': msgId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
  };
  if (appSecret) headers['webhook-signature'] = new Webhook(webhookKey(appSecret)).sign(msgId, at, body);
  return headers;
}
