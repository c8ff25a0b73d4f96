/**
 * The live event page's files on Workers (RuntimeAdapter.asset): a Worker has
 * no file system, so each file of src/ui and src/client is bundled as a Text
 * module (the `?raw` imports, matched by the `[[rules]] type = "Text"` in
 * wrangler.toml) and answered from this map, with the same paths as
 * runtimes/assets.ts: `ui/<name>` and `client/<name>`. A file added to
 * src/ui or src/client is served here once it is imported below.
 */
import app from '../../ui/app.js?raw';
import feed from '../../ui/feed.js?raw';
import indexHtml from '../../ui/index.html?raw';
import notices from '../../ui/notices.js?raw';
import render from '../../ui/render.js?raw';
import style from '../../ui/style.css?raw';
import toasts from '../../ui/toasts.js?raw';
import client from '../../client/eventgate-client.js?raw';
import shared from '../../client/shared.js?raw';
import transports from '../../client/transports.js?raw';

const FILES = new Map<string, string>([
  ['ui/index.html', indexHtml],
  ['ui/app.js', app],
  ['ui/feed.js', feed],
  ['ui/render.js', render],
  ['ui/toasts.js', toasts],
  ['ui/notices.js', notices],
  ['ui/style.css', style],
  ['client/eventgate-client.js', client],
  ['client/transports.js', transports],
  ['client/shared.js', shared],
]);

/** `ui/<name>` or `client/<name>`; undefined when there is no such file. */
export function workersAsset(path: string): string | undefined {
  return FILES.get(path);
}
