/**
 * package.json says once where each package belongs: what src/ imports at
 * run time (what is left of its imports once TypeScript has erased the
 * type-only ones) is a dependency or a peer dependency, and no package is
 * both a dependency and a devDependency. The lock file agrees: a dependency
 * is never marked dev there, or `npm ci --omit=dev` would leave it out of a
 * production install.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dependencies?: Record<string, string>; devDependencies?: Record<string, string>; dev?: boolean }>;
};

/** src/ files that tsc compiles into the package (src/ui is bundled into dist/web by esbuild instead). */
function sources(dir = path.join(ROOT, 'src')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const full = path.join(dir, d.name);
    if (d.isDirectory()) return full === path.join(ROOT, 'src/ui') ? [] : sources(full);
    return /\.tsx?$/.test(d.name) && !d.name.endsWith('.d.ts') ? [full] : [];
  });
}

/** The package a bare specifier names: `a/b` → `a`, `@s/a/b` → `@s/a`. */
const packageOf = (spec: string) =>
  spec
    .split('/')
    .slice(0, spec.startsWith('@') ? 2 : 1)
    .join('/');

/** Packages each file imports at run time: its imports after TypeScript erased the type-only ones. */
function runtimeImports(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of sources()) {
    const js = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, isolatedModules: true, removeComments: true },
    }).outputText;
    for (const m of js.matchAll(/(?:\bimport\s*\(?|\bfrom)\s*['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('cloudflare:')) continue;
      const name = packageOf(spec);
      if (name === pkg.name) continue; // the package's own entry points
      found.set(name, [...(found.get(name) ?? []), path.relative(ROOT, file)]);
    }
  }
  return found;
}

describe('dependencies', () => {
  it('what src/ imports at run time is a dependency or a peer dependency', () => {
    const imports = runtimeImports();
    expect(imports.get('eventsource-parser')).toEqual(['src/cli/tail.ts']); // eventgate tail parses SSE with it
    const misplaced = [...imports].filter(([name]) => !(name in pkg.dependencies) && !(name in (pkg.peerDependencies ?? {})));
    expect(misplaced.map(([name, files]) => `${name} (imported by ${files.join(', ')})`)).toEqual([]);
  });

  it('no package is both a dependency and a devDependency', () => {
    expect(Object.keys(pkg.dependencies).filter((name) => name in pkg.devDependencies)).toEqual([]);
  });

  it('the lock file lists the same, and marks no dependency dev', () => {
    const root = lock.packages['']!;
    expect(root.dependencies).toEqual(pkg.dependencies);
    expect(root.devDependencies).toEqual(pkg.devDependencies);
    const markedDev = Object.keys(pkg.dependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev === true);
    expect(markedDev).toEqual([]);
  });
});
