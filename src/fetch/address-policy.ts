// Which IP addresses a download or webhook may connect to. An allowlist: only addresses that
// ipaddr.js classifies as ordinary global unicast pass; every special range (loopback, RFC 1918,
// link-local, CGNAT, multicast, reserved, documentation, ...) is refused, and so is anything that
// does not parse (fail closed).
import ipaddr from 'ipaddr.js';

// Cloud metadata endpoints. They already fall in refused ranges; they are named so that they stay
// refused even when allowPrivate lifts the private ranges (see isMetadataAddress).
const METADATA = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', 'fd00:ec2:0:0:0:0:0:254']);

/** True when `ip` (an address, not a hostname; an optional `[...]` or `%zone` is accepted) must not be connected to. */
export function isForbiddenAddress(ip: string): boolean {
  const addr = parse(ip);
  if (!addr) return true;
  if (addr.kind() === 'ipv4') return (addr as ipaddr.IPv4).range() !== 'unicast';
  return isForbiddenV6(addr as ipaddr.IPv6);
}

/** True for cloud metadata endpoints (AWS/GCP/Azure 169.254.169.254, AWS fd00:ec2::254, Alibaba 100.100.100.200). */
export function isMetadataAddress(ip: string): boolean {
  const addr = parse(ip);
  if (!addr) return false;
  const v4 = toEmbeddedV4(addr);
  return METADATA.has((v4 ?? addr).toNormalizedString()) || METADATA.has((v4 ?? addr).toString());
}

function isForbiddenV6(addr: ipaddr.IPv6): boolean {
  // Forms that carry an IPv4 address are judged by that address: ::ffff:a.b.c.d (mapped),
  // ::ffff:0:a.b.c.d (RFC 6145) and 64:ff9b::a.b.c.d (NAT64, so DNS64 networks still work).
  const v4 = toEmbeddedV4(addr);
  if (v4) return isForbiddenAddress(v4.toString());
  const parts = addr.parts;
  // ::/96 holds :: and ::1 and the deprecated IPv4-compatible form ::a.b.c.d; nothing public lives there.
  if (parts.slice(0, 6).every((p) => p === 0)) return true;
  // 6to4, Teredo and all other special ranges (NAT64 /48 local-use included) are refused outright.
  return addr.range() !== 'unicast';
}

function toEmbeddedV4(addr: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | null {
  if (addr.kind() === 'ipv4') return null;
  const v6 = addr as ipaddr.IPv6;
  const p = v6.parts;
  const mapped = p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0xffff;
  const rfc6145 = p[0] === 0 && p[1] === 0 && p[2] === 0 && p[3] === 0 && p[4] === 0xffff && p[5] === 0;
  const nat64 = p[0] === 0x64 && p[1] === 0xff9b && p[2] === 0 && p[3] === 0 && p[4] === 0 && p[5] === 0;
  if (!mapped && !rfc6145 && !nat64) return null;
  return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
}

function parse(ip: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  if (typeof ip !== 'string') return null;
  let s = ip.trim();
  if (s.startsWith('[') && s.endsWith(']')) s = s.slice(1, -1);
  // Only the canonical dotted-quad and IPv6 text forms: ipaddr.js would also read "0x7f.1" or
  // "2130706433", which no resolver returns; treating such a string as an address is a bug upstream.
  if (!ipaddr.IPv6.isValid(s) && !ipaddr.IPv4.isValidFourPartDecimal(s)) return null;
  try {
    return ipaddr.parse(s);
  } catch {
    return null;
  }
}
