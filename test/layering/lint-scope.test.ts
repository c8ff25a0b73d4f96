/**
 * `npm run lint` (biome check) reaches every script of the repository: each
 * tracked JavaScript or TypeScript file is in biome.json's `files.includes`,
 * except declaration files and the layering fixture, which breaks the rules
 * on purpose. A script added where the includes do not look (scripts/*.mjs
 * and .dependency-cruiser.cjs once were) fails here instead of going
 * unchecked.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

const LEFT_OUT = [/\.d\.ts$/, /^test\/layering\/fixture\//];

describe('lint scope', () => {
  it('biome checks every tracked script', async () => {
    const tracked = (await run('git', ['ls-files', '--', '*.ts', '*.tsx', '*.js', '*.mjs', '*.cjs'], { cwd: ROOT })).stdout.split('\n').filter(Boolean);
    // --verbose lists the files it checked; the exit code (problems found) does not matter here.
    const out = await run(path.join(ROOT, 'node_modules/.bin/biome'), ['check', '--verbose', '--max-diagnostics=0', '.'], { cwd: ROOT, maxBuffer: 16 << 20 }).catch(
      (err: { stdout?: string; stderr?: string }) => ({ stdout: err.stdout ?? '', stderr: err.stderr ?? '' }),
    );
    const checked = new Set([...`${out.stdout}\n${out.stderr}`.matchAll(/^\s+- (\S+)$/gm)].map((m) => m[1]!));
    expect(checked.size).toBeGreaterThan(100);
    const unchecked = tracked.filter((f) => !checked.has(f) && !LEFT_OUT.some((re) => re.test(f)));
    expect(unchecked).toEqual([]);
    expect(checked).toContain('scripts/build-web.mjs');
    expect(checked).toContain('.dependency-cruiser.cjs');
  });
});
