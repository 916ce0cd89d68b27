// The receiving side of notifications: check the Standard Webhooks signature (key = the AppSecret's
// UTF-8 bytes), parse the body, and answer `successfully` so the service stops re-sending.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { webhookKey } from '../notify/sign.ts';

export type Notification =
  | { job_id: string; status: 0; data: { result_url: string[] } }
  | { job_id: string; status: number; error: string; data: Record<string, never> };

export class NotificationVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotificationVerificationError';
  }
}

export interface VerifyInput {
  /** the raw request body, exactly as received */
  body: string | Buffer;
  headers: Record<string, string | string[] | undefined> | Headers;
  appSecret: string;
}

function header(h: VerifyInput['headers'], name: string): string {
  const v = h instanceof Headers ? h.get(name) : h[name] ?? h[name.toLowerCase()];
  return (Array.isArray(v) ? v[0] : v) ?? '';
}

/**
 * Verifies a notification and returns its body. Throws NotificationVerificationError on a missing or
 * wrong signature or a timestamp more than 5 minutes off (replays).
 */
export function verifyNotification(input: VerifyInput): Notification {
  const body = typeof input.body === 'string' ? input.body : input.body.toString('utf8');
  const headers = {
    'webhook-id': header(input.headers, 'webhook-id'),
    'webhook-timestamp': header(input.headers, 'webhook-timestamp'),
    'webhook-signature': header(input.headers, 'webhook-signature'),
  };
  try {
    return new Webhook(webhookKey(input.appSecret)).verify(body, headers) as Notification;
  } catch (err) {
    if (err instanceof WebhookVerificationError) throw new NotificationVerificationError(err.message);
    throw new NotificationVerificationError(`unreadable notification: ${(err as Error).message}`);
  }
}

export interface ReceiverOptions {
  appSecret: string;
  /** Your handling; throw (or reject) to have the service send the notification again later. */
  onNotification: (n: Notification, meta: { webhookId: string }) => void | Promise<void>;
  /** body cap, bytes (default 64 KiB) */
  maxBytes?: number;
}

/**
 * A node:http request handler (works as an Express/Fastify raw handler too): verifies, calls
 * onNotification, answers 200 `successfully`; 400 on a bad signature, 500 when the handler throws.
 */
export function createNotificationReceiver(opts: ReceiverOptions) {
  const max = opts.maxBytes ?? 64 * 1024;
  return (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > max) {
        res.writeHead(413).end('too large');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', async () => {
      if (res.headersSent) return;
      let n: Notification;
      try {
        n = verifyNotification({ body: Buffer.concat(chunks), headers: req.headers, appSecret: opts.appSecret });
      } catch (err) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end((err as Error).message);
        return;
      }
      try {
        await opts.onNotification(n, { webhookId: header(req.headers, 'webhook-id') });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('successfully');
      } catch (err) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`handler failed: ${(err as Error).message}`);
      }
    });
  };
}
