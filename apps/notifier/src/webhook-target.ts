import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Where a webhook may not point unless its rule file entry says `allowPrivateAddress: true`: loopback,
 * private (RFC 1918, unique-local), link-local (the cloud metadata service at 169.254.169.254), carrier-grade
 * NAT, unspecified, multicast and reserved addresses — the machine's own ops ports and the internal network
 * (SSRF). Checked on the URL at start-up and on every address DNS gives at delivery, in the lookup the
 * socket connects with, so a name that later resolves inward is refused too.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['64:ff9b::', 96], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) BLOCKED.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is loopback, private, link-local or otherwise not a public internet address. */
export function isPrivateAddress(address: string): boolean {
  // An IPv4-mapped IPv6 address (::ffff:127.0.0.1, ::ffff:7f00:1) is the IPv4 address it maps.
  const dotted = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (dotted) return isPrivateAddress(dotted[1]!);
  const hex = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(address);
  if (hex) {
    const [a, b] = [parseInt(hex[1]!, 16), parseInt(hex[2]!, 16)];
    return isPrivateAddress(`${a >> 8}.${a & 255}.${b >> 8}.${b & 255}`);
  }
  const family = isIP(address);
  if (family === 0) return false;
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The URL's host as an address or name (IPv6 without its brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/** Why this URL may not be a webhook (without echoing any secret it holds), or null when it may. */
export function targetProblem(url: URL, allowPrivateAddress: boolean): string | null {
  if (url.username || url.password) return 'must not carry a user or password (put credentials in `headers`, e.g. authorization)';
  if (allowPrivateAddress) return null;
  const host = hostOf(url).toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host)) {
    return `${host} is a loopback, private or link-local address: refused unless the webhook sets "allowPrivateAddress": true`;
  }
  return null;
}

export class PrivateTargetError extends Error {
  readonly code = 'EHITBOARDPRIVATE';
  constructor(host: string, address: string) {
    super(`${host} resolves to ${address}, a loopback, private or link-local address (refused unless the webhook sets "allowPrivateAddress": true)`);
  }
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` for http.request that refuses private addresses (every address DNS gives is checked). */
export function guardedLookup(allowPrivateAddress: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true } as LookupAllOptions, (err, addresses) => {
      if (err) return callback(err, '');
      const bad = allowPrivateAddress ? undefined : addresses.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateTargetError(hostname, bad.address), '');
      if (options.all) return callback(null, addresses);
      return callback(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}
