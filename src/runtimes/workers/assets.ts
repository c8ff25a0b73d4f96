/**
 * The live event page's files on Workers (RuntimeAdapter.asset): a Worker has
 * no file system, so each file of the web build (dist/web, `npm run
 * build:web`) is bundled as a Text module (the `?raw` imports, matched by the
 * `[[rules]] type = "Text"` in wrangler.toml) and answered from this map, with
 * the same paths as runtimes/assets.ts: `ui/<name>` and `client/<name>`.
 * A file added to the build is served here once it is imported below.
 */
import app from '../../../dist/web/ui/app.js?raw';
import indexHtml from '../../../dist/web/ui/index.html?raw';
import style from '../../../dist/web/ui/style.css?raw';
import client from '../../../dist/web/client/eventgate-client.js?raw';
import shared from '../../../dist/web/client/shared.js?raw';

const FILES = new Map<string, string>([
  ['ui/index.html', indexHtml],
  ['ui/app.js', app],
  ['ui/style.css', style],
  ['client/eventgate-client.js', client],
  ['client/shared.js', shared],
]);

/** `ui/<name>` or `client/<name>`; undefined when there is no such file. */
export function workersAsset(path: string): string | undefined {
  return FILES.get(path);
}
