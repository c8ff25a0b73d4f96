/**
 * The package build: src/ compiled by tsc to dist/ (ESM, .d.ts, source
 * maps), the page and the browser client (build-web.mjs), the page's files
 * embedded for Workers, and .js extensions in the declarations. `npm start`
 * runs the result (compiled JavaScript, no TypeScript loader), so it builds
 * first when dist/ is missing or older than a source.
 *
 *   node scripts/build.mjs             build
 *   node scripts/build.mjs --if-stale  build only when dist/ is missing or older than its sources
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildWeb } from './build-web.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const STAMP = path.join(ROOT, 'dist/.built');
const SOURCES = ['src', 'scripts', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest modification time under the given files and folders (ms). */
function newest(paths) {
  let max = 0;
  for (const p of paths) {
    const full = path.join(ROOT, p);
    const s = statSync(full);
    max = s.isDirectory() ? Math.max(max, newest(readdirSync(full).map((n) => path.join(p, n)))) : Math.max(max, s.mtimeMs);
  }
  return max;
}

function isFresh() {
  try {
    return statSync(STAMP).mtimeMs >= newest(SOURCES);
  } catch {
    return false;
  }
}

const node = (script, ...args) => execFileSync(process.execPath, [script, ...args], { cwd: ROOT, stdio: 'inherit' });

/** Builds dist/; with `ifStale`, only when it is missing or older than a source. Resolves with whether it built. */
export async function build({ ifStale = false } = {}) {
  if (ifStale && isFresh()) return false;
  const started = Date.now();
  rmSync(path.join(ROOT, 'dist'), { recursive: true, force: true });
  node(createRequire(import.meta.url).resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json');
  await buildWeb();
  node('scripts/embed-worker-assets.mjs');
  node('scripts/dts-js-extensions.mjs');
  writeFileSync(STAMP, `${new Date().toISOString()}\n`);
  console.error(`eventgate: built dist/ in ${Date.now() - started} ms`);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await build({ ifStale: process.argv.includes('--if-stale') });
}
