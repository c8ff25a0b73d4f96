/**
 * Before any test: the build (dist/: the compiled gateway that `npm start`
 * runs, and dist/web, the page and the browser client it serves) is made
 * when it is missing or older than its sources, as `npm start` does
 * (`prestart`), once, before gateways are started in parallel.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
}
