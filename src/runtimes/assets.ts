/**
 * The live event page's files from disk (RuntimeAdapter.asset), for every
 * runtime with a file system (Node, Bun, Deno: only node:fs is used). They
 * are read from the directory beside this module's parent: src/ui and
 * src/client when running the sources, dist/ui and dist/client in the
 * built package. Each file is kept in memory once read.
 */
import { readFile } from 'node:fs/promises';
import { ASSET_NAME } from '../core/routes/page.ts';

const ROOT = new URL('../', import.meta.url);
const cache = new Map<string, Promise<string | undefined>>();

/** `ui/<name>` or `client/<name>`; undefined when there is no such file. */
export function readAsset(path: string): Promise<string | undefined> {
  const [dir, name, ...rest] = path.split('/');
  if ((dir !== 'ui' && dir !== 'client') || !name || rest.length || !ASSET_NAME.test(name)) return Promise.resolve(undefined);
  let text = cache.get(path);
  if (!text) {
    text = readFile(new URL(`${dir}/${name}`, ROOT), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      throw err;
    });
    cache.set(path, text);
  }
  return text;
}
