import net from 'node:net';

/** proxy-addr's named ranges (the same names TRUST_PROXY accepts), as subnets. */
const NAMED: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) is matched as `10.0.0.1`. */
const unmapped = (address: string) => (/^::ffff:\d+\.\d+\.\d+\.\d+$/i.test(address) ? address.slice(7) : address);

/**
 * Whether an address lies in one of the ranges (`10.0.0.1`, `10.1.0.0/16`, `loopback`), as validated by
 * `parseAddressRanges` in config.ts.
 */
export function addressMatcher(ranges: string[]): (address: string | undefined) => boolean {
  const list = new net.BlockList();
  for (const range of ranges.flatMap((r) => NAMED[r] ?? [r])) {
    const [address, bits] = range.split('/');
    const family = net.isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return (address) => {
    if (!address) return false;
    const plain = unmapped(address);
    const family = net.isIP(plain);
    return family !== 0 && list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  };
}
