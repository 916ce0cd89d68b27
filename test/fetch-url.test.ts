import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkUrlSyntax, MAX_URL_LENGTH } from '../src/fetch/url.ts';

test('plain http(s) URLs pass', () => {
  for (const u of ['http://example.com/a.jpg', 'https://img.example.cn:8443/x?y=1#z', 'http://[2001:db8::1]/p.png', 'http://8.8.8.8/']) {
    assert.equal(checkUrlSyntax(u), null, u);
  }
});

test('refusals, each with a reason', () => {
  const cases: unknown[] = [
    undefined, null, 42, {}, '', 'example.com/a.jpg', 'ftp://example.com/a.jpg', 'file:///etc/passwd',
    'gopher://x/', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 'http://', 'http://user:pw@example.com/',
    'http://user@example.com/', 'http://exa\nmple.com/', ' http://example.com/', 'http://example.com/a b.jpg',
    'http://example.com/\u0000', 'http://exa mple.com/',
  ];
  for (const u of cases) {
    const why = checkUrlSyntax(u);
    assert.equal(typeof why, 'string', String(u));
    assert.ok(why!.length > 0);
  }
});

test('length limit is inclusive at 2048', () => {
  const prefix = 'http://example.com/';
  const exact = prefix + 'a'.repeat(MAX_URL_LENGTH - prefix.length);
  assert.equal(exact.length, 2048);
  assert.equal(checkUrlSyntax(exact), null);
  assert.match(checkUrlSyntax(exact + 'a') ?? '', /longer/);
});
