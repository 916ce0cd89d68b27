// Jobs submitted from the console without a notify URL notify this built-in receiver, which accepts
// at once: the console shows the attempt like any other, and nothing leaves the machine.
import type { Send } from '../notify/notifier.ts';

export const CONSOLE_NOTIFY_URL = 'wanxing-console:notify';

export function withConsoleSink(send: Send): Send {
  return (url, body, headers, timeoutMs) =>
    url === CONSOLE_NOTIFY_URL ? Promise.resolve({ status: 200, body: 'successfully' }) : send(url, body, headers, timeoutMs);
}
