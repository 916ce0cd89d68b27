import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isForbiddenAddress, isMetadataAddress } from '../src/fetch/address-policy.ts';

const v4 = (a: number, b: number, c: number, d: number) => `${a}.${b}.${c}.${d}`;
const byte = fc.integer({ min: 0, max: 255 });

test('named forbidden addresses', () => {
  for (const ip of [
    '127.0.0.1', '127.255.255.254', '0.0.0.0', '10.0.0.1', '172.16.0.1', '172.31.255.255', '192.168.1.1',
    '169.254.169.254', '100.64.0.1', '100.100.100.200', '224.0.0.1', '255.255.255.255', '240.0.0.1',
    '192.0.2.1', '198.18.0.1',
    '::', '::1', 'fe80::1', 'fe80::1%eth0', 'fc00::1', 'fd00:ec2::254', 'ff02::1', '[::1]',
    '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:10.0.0.1', '::ffff:169.254.169.254', '0:0:0:0:0:ffff:a9fe:a9fe',
    '::ffff:0:127.0.0.1', '64:ff9b::127.0.0.1', '64:ff9b::10.1.2.3', '::127.0.0.1', '2002:7f00:1::1', '2001::1',
    '2001:db8::1',
  ]) {
    assert.equal(isForbiddenAddress(ip), true, ip);
  }
});

test('named public addresses are allowed', () => {
  for (const ip of ['8.8.8.8', '1.1.1.1', '47.246.0.1', '172.32.0.1', '100.128.0.1', '2606:4700::1111', '2400:3200::1', '::ffff:8.8.8.8', '64:ff9b::8.8.8.8']) {
    assert.equal(isForbiddenAddress(ip), false, ip);
  }
});

test('not an address, or an odd legacy form, is forbidden (fail closed)', () => {
  for (const s of ['', 'localhost', 'example.com', '2130706433', '0x7f.1', '127.1', '1.2.3', '::ffff:127.0.0.1:80', 'fe80::1%']) {
    assert.equal(isForbiddenAddress(s), true, s);
  }
});

test('metadata addresses', () => {
  for (const ip of ['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '::ffff:169.254.169.254', '::ffff:100.100.100.200']) {
    assert.equal(isMetadataAddress(ip), true, ip);
  }
  for (const ip of ['169.254.169.253', '127.0.0.1', '8.8.8.8', 'nonsense']) assert.equal(isMetadataAddress(ip), false, ip);
});

test('property: every address in the private, loopback, link-local and CGNAT blocks is forbidden, in both notations', () => {
  const blocks = fc.oneof(
    fc.tuple(byte, byte, byte).map(([b, c, d]) => v4(10, b, c, d)),
    fc.tuple(byte, byte, byte).map(([b, c, d]) => v4(127, b, c, d)),
    fc.tuple(fc.integer({ min: 16, max: 31 }), byte, byte).map(([b, c, d]) => v4(172, b, c, d)),
    fc.tuple(byte, byte).map(([c, d]) => v4(192, 168, c, d)),
    fc.tuple(byte, byte).map(([c, d]) => v4(169, 254, c, d)),
    fc.tuple(fc.integer({ min: 64, max: 127 }), byte, byte).map(([b, c, d]) => v4(100, b, c, d)),
    fc.tuple(fc.integer({ min: 224, max: 255 }), byte, byte, byte).map(([a, b, c, d]) => v4(a, b, c, d)),
    fc.tuple(byte, byte, byte).map(([b, c, d]) => v4(0, b, c, d)),
  );
  fc.assert(
    fc.property(blocks, (ip) => isForbiddenAddress(ip) && isForbiddenAddress(`::ffff:${ip}`) && isForbiddenAddress(`64:ff9b::${ip}`)),
  );
});

test('property: every IPv6 address in fc00::/7 and fe80::/10 is forbidden', () => {
  const hextet = fc.integer({ min: 0, max: 0xffff });
  const rest = fc.array(hextet, { minLength: 7, maxLength: 7 });
  const ula = fc.tuple(fc.integer({ min: 0xfc00, max: 0xfdff }), rest);
  const ll = fc.tuple(fc.integer({ min: 0xfe80, max: 0xfebf }), rest);
  fc.assert(
    fc.property(fc.oneof(ula, ll), ([first, tail]) => isForbiddenAddress([first, ...tail].map((h) => h.toString(16)).join(':'))),
  );
});

test('property: public IPv4 samples are allowed, also when IPv4-mapped', () => {
  // 11.0.0.0-99.255.255.255 holds no special-purpose block, so every generated address is public.
  const first = fc.integer({ min: 11, max: 99 });
  fc.assert(
    fc.property(first, byte, byte, byte, (a, b, c, d) => {
      const ip = v4(a, b, c, d);
      return !isForbiddenAddress(ip) && !isForbiddenAddress(`::ffff:${ip}`);
    }),
  );
});

test('property: global unicast IPv6 samples in 2400::/6 are allowed', () => {
  const hextet = fc.integer({ min: 0, max: 0xffff });
  fc.assert(
    fc.property(fc.integer({ min: 0x2400, max: 0x27ff }), fc.array(hextet, { minLength: 7, maxLength: 7 }), (first, tail) =>
      !isForbiddenAddress([first, ...tail].map((h) => h.toString(16)).join(':')),
    ),
  );
});
