/**
 * The page's file loader that Node, Bun and Deno share (src/runtimes/assets.ts,
 * issue 9 item 11): it keeps only files that exist, so asking for many
 * missing names costs no memory. Over HTTP, the conformance suite checks
 * that such names answer 404 on every runtime (checks/page.ts); the cache
 * itself can only be seen from inside the process, here.
 */
import { describe, expect, it } from 'vitest';
import { assetCacheSize, readAsset } from '../../src/runtimes/assets.ts';

describe('the asset cache', () => {
  it('keeps only files that exist: many distinct missing names leave it as it was', async () => {
    expect(await readAsset('ui/index.html')).toContain('<html');
    expect(await readAsset('ui/app.js')).toEqual(expect.any(String));
    const before = assetCacheSize();
    expect(before).toBeGreaterThanOrEqual(2);
    const names = Array.from({ length: 1000 }, (_, i) => (i % 2 ? `ui/missing-${i}.js` : `client/missing-${i}.css`));
    for (let i = 0; i < names.length; i += 100) {
      const got = await Promise.all(names.slice(i, i + 100).map((n) => readAsset(n)));
      expect(got.every((x) => x === undefined)).toBe(true);
    }
    expect(assetCacheSize()).toBe(before);
    // Names outside the two folders, or not file names, are not even looked up.
    for (const n of ['../package.json', 'ui/../../package.json', 'other/app.js', 'ui/sub/app.js', 'ui/.hidden.js']) expect(await readAsset(n), n).toBeUndefined();
    expect(assetCacheSize()).toBe(before);
    // A file read once is served from memory.
    expect(await readAsset('ui/app.js')).toEqual(expect.any(String));
    expect(assetCacheSize()).toBe(before);
  });
});
