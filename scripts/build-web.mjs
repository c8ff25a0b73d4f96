/**
 * Builds the live page and the browser client for the gateway to serve:
 * dist/web/ui/{index.html, style.css, app.js} (GET /, /assets/<name>) and
 * dist/web/client/{eventgate-client.js, shared.js} (GET /client/<name>), ESM
 * for browsers, written by esbuild from src/ui, src/client and src/protocol.ts.
 * Each entry is one file; an import of another entry stays an import of its
 * served URL, so the page loads the same client anyone can load.
 *
 *   node scripts/build-web.mjs             build
 *   node scripts/build-web.mjs --if-stale  build only when dist/web is missing or older than its sources
 */
import { copyFile, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(ROOT, 'dist/web');
const STAMP = path.join(OUT, '.built');

/** Each built file, by the source it is built from. */
const ENTRIES = {
  'src/client/eventgate-client.ts': 'client/eventgate-client.js',
  'src/client/shared.ts': 'client/shared.js',
  'src/ui/app.ts': 'ui/app.js',
};
const COPIED = { 'src/ui/index.html': 'ui/index.html', 'src/ui/style.css': 'ui/style.css' };
const SOURCES = ['src/protocol.ts', 'src/client', 'src/ui', 'scripts/build-web.mjs'];

/** Newest modification time under the given files and folders (ms). */
async function newest(paths) {
  let max = 0;
  for (const p of paths) {
    const full = path.join(ROOT, p);
    const s = await stat(full);
    if (s.isDirectory()) {
      const names = await readdir(full);
      max = Math.max(max, await newest(names.map((n) => path.join(p, n))));
    } else max = Math.max(max, s.mtimeMs);
  }
  return max;
}

async function isFresh() {
  try {
    const built = (await stat(STAMP)).mtimeMs;
    return built >= (await newest(SOURCES));
  } catch {
    return false;
  }
}

/** The server's parts: the client and the page import none of them (only src/protocol.ts). */
const SERVER_DIRS = ['src/core', 'src/backends', 'src/runtimes'].map((d) => path.join(ROOT, d) + path.sep);

/**
 * Imports of one entry from another are kept, as the URL the gateway serves
 * it at; an import of the server's code fails the build.
 */
const entryLinks = {
  name: 'entry-links',
  setup(build) {
    const served = new Map(Object.entries(ENTRIES).map(([src, out]) => [path.join(ROOT, src), out]));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = path.resolve(args.resolveDir, args.path);
      if (SERVER_DIRS.some((d) => target.startsWith(d))) {
        return {
          errors: [
            { text: `${path.relative(ROOT, args.importer)} imports ${path.relative(ROOT, target)}: the client and the page may import only src/protocol.ts of the server's code` },
          ],
        };
      }
      const out = served.get(target);
      if (!out || args.kind === 'entry-point') return undefined;
      const fromClient = path.dirname(args.importer) === path.join(ROOT, 'src/client');
      return { path: fromClient ? `./${path.basename(out)}` : `/${out}`, external: true };
    });
  },
};

/** Builds dist/web; with `ifStale`, only when it is missing or older than a source. Resolves with whether it built. */
export async function buildWeb({ ifStale = false, quiet = false } = {}) {
  if (ifStale && (await isFresh())) return false;
  const started = Date.now();
  await rm(OUT, { recursive: true, force: true });
  for (const [src, out] of Object.entries(ENTRIES)) {
    await esbuild.build({
      absWorkingDir: ROOT,
      entryPoints: [src],
      outfile: path.join(OUT, out),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'warning',
      plugins: [entryLinks],
    });
  }
  for (const [src, out] of Object.entries(COPIED)) {
    await mkdir(path.dirname(path.join(OUT, out)), { recursive: true });
    await copyFile(path.join(ROOT, src), path.join(OUT, out));
  }
  await writeFile(STAMP, `${new Date().toISOString()}\n`);
  if (!quiet) console.error(`eventgate: built the page and the client into dist/web in ${Date.now() - started} ms`);
  return true;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await buildWeb({ ifStale: process.argv.includes('--if-stale') });
}
