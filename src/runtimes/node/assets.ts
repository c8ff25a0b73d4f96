/**
 * The live event page's files, read from src/ui and src/client on disk and
 * kept in memory once read. Uses only node:fs, so Bun and Deno can use it as
 * it is (RuntimeAdapter.asset).
 */
import { readFile } from 'node:fs/promises';
import { ASSET_NAME } from '../../core/routes/page.ts';

const SRC = new URL('../../', import.meta.url);
const cache = new Map<string, Promise<string | undefined>>();

/** `ui/<name>` or `client/<name>`; undefined when there is no such file. */
export function readAsset(path: string): Promise<string | undefined> {
  const [dir, name, ...rest] = path.split('/');
  if ((dir !== 'ui' && dir !== 'client') || !name || rest.length || !ASSET_NAME.test(name)) return Promise.resolve(undefined);
  let text = cache.get(path);
  if (!text) {
    text = readFile(new URL(`${dir}/${name}`, SRC), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    cache.set(path, text);
  }
  return text;
}
