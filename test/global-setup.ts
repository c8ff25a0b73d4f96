/**
 * Before any test: the web build (dist/web: the page and the browser client
 * the gateway serves) is made when it is missing or older than its sources,
 * as `npm start` does (`prestart`).
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

export default function setup(): void {
  const root = path.resolve(import.meta.dirname, '..');
  execFileSync(process.execPath, [path.join(root, 'scripts/build-web.mjs'), '--if-stale'], { cwd: root, stdio: 'inherit' });
}
