// A cheap syntax check for caller-given URLs, run by the API before a job is accepted. It resolves
// nothing: whether the host is allowed is decided at connect time by the guarded agent.

export const MAX_URL_LENGTH = 2048;

/** Returns why `url` is unacceptable, or null when it is a plain http(s) URL. */
export function checkUrlSyntax(url: unknown): string | null {
  if (typeof url !== 'string') return 'URL must be a string';
  if (url.length === 0) return 'URL is empty';
  if (url.length > MAX_URL_LENGTH) return `URL is longer than ${MAX_URL_LENGTH} characters`;
  // The WHATWG parser silently drops tabs/newlines and trims spaces; refuse them instead of
  // letting "http://exa\nmple.com" mean something other than what was logged.
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0020\u007f-\u009f]/.test(url)) return 'URL contains whitespace or control characters';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return 'URL is not valid';
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'URL scheme must be http or https';
  if (!parsed.hostname) return 'URL has no host';
  if (parsed.username || parsed.password) return 'URL must not contain credentials';
  return null;
}
