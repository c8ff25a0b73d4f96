/**
 * The layering check (.dependency-cruiser.cjs) holds on src/, and fails on
 * purpose on a fixture tree whose arrows run back up, and which loads React
 * outside src/react.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

async function cruise(dir: string): Promise<Violation[]> {
  const out = await run('node_modules/.bin/depcruise', ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', dir], { maxBuffer: 64 << 20 }).catch(
    (err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }),
  );
  return (JSON.parse(out.stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('layering', () => {
  it('src/ has no arrow running back up', async () => {
    const violations = await cruise('src');
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('a tree whose core reaches into a backend and Node, whose client reaches into the core and React, and whose entry re-exports the React hooks, fails', async () => {
    const violations = await cruise('test/layering/fixture/src');
    const found = violations.map((v) => `${v.rule.name}: ${v.from.replace(/^.*fixture\//, '')} → ${v.to.replace(/^.*fixture\//, '')}`).sort();
    expect(found).toEqual([
      'client-imports-server: src/client/reaches-server.ts → src/core/store.ts',
      'core-imports-backends-or-runtimes: src/core/reaches-up.ts → src/backends/memory.ts',
      'core-is-web-standard: src/core/uses-node.ts → fs',
      'react-only-in-src-react: src/client/uses-react.ts → node_modules/react/index.js',
      'react-only-in-src-react: src/index.ts → src/react/use-events.ts',
    ]);
  });
});
