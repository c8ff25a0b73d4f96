/**
 * The live event page's files, read from the web build (dist/web/ui and
 * dist/web/client, written by `npm run build:web`) and kept in memory once
 * found. Only files that exist are kept: a name that is not there is looked
 * up again each time (it is in the map only while its read is in flight), so
 * asking for many missing names costs no memory. Uses only node:fs, so Bun
 * and Deno use it as it is (RuntimeAdapter.asset). The same path reaches
 * dist/web from src/runtimes/ and, in the package, from dist/runtimes/.
 */
import { readFile } from 'node:fs/promises';
import { ASSET_NAME } from '../core/routes/page.ts';

/** dist/web, from src/runtimes/ (and from the same place in the built package, dist/runtimes/). */
export const WEB_DIR = new URL('../../dist/web/', import.meta.url);
const cache = new Map<string, Promise<string | undefined>>();

/** `ui/<name>` or `client/<name>`; undefined when there is no such file. */
export function readAsset(path: string): Promise<string | undefined> {
  const [dir, name, ...rest] = path.split('/');
  if ((dir !== 'ui' && dir !== 'client') || !name || rest.length || !ASSET_NAME.test(name)) return Promise.resolve(undefined);
  let text = cache.get(path);
  if (!text) {
    text = readFile(new URL(`${dir}/${name}`, WEB_DIR), 'utf8').catch((err: NodeJS.ErrnoException) => {
      cache.delete(path);
      if (err.code === 'ENOENT' || err.code === 'EISDIR') return undefined;
      throw err;
    });
    cache.set(path, text);
  }
  return text;
}

/** How many files are held (and reads in flight): for tests and the curious. */
export function assetCacheSize(): number {
  return cache.size;
}
