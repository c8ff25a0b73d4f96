/**
 * Server-side TCP sockets on a local port that sit in CLOSE_WAIT: the peer
 * has gone and the server never closed its end (a leak, with whatever the
 * server holds for that connection). Read from /proc/net/tcp{,6}, so it
 * sees any local process's sockets; 0 where /proc is not there.
 */
import { readFileSync } from 'node:fs';

export function closeWait(port: number): number {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const f of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols[1]?.endsWith(`:${hex}`) && cols[3] === '08') n++;
    }
  }
  return n;
}
