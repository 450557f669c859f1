import { isIPv4, isIPv6 } from 'node:net';
import type { Request } from 'express';

/**
 * The address the login throttle counts against. `req.ip` is the socket's peer unless TRUST_PROXY
 * names the proxies whose X-Forwarded-For we believe. IPv4-mapped IPv6 is plain IPv4, and IPv6
 * counts per /64: one host usually holds a whole /64, so per address would be no limit at all.
 */
export function clientAddress(req: Request): string {
  return throttleAddress(req.ip ?? req.socket.remoteAddress ?? 'unknown');
}

export function throttleAddress(raw: string): string {
  const ip = raw.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(ip)) return ip;
  const [head, tail] = ip.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups =
    tail === undefined
      ? h
      : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}
