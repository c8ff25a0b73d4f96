// tsc's rewriteRelativeImportExtensions rewrites `./x.ts` to `./x.js` in the
// emitted JavaScript but leaves declaration files with `./x.ts`; TypeScript
// 5 reads those, older versions and other tools do not. This rewrites the
// relative specifiers of every .d.ts under dist/ to `.js`, as in the code.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
let changed = 0;
for (const f of /** @type {string[]} */ (readdirSync(dist, { recursive: true }))) {
  if (!f.endsWith('.d.ts')) continue;
  const file = new URL(f, dist);
  const text = readFileSync(file, 'utf8');
  const out = text.replace(/((?:from|import)\s*\(?\s*['"])(\.\.?\/[^'"]*?)\.ts(['"])/g, '$1$2.js$3');
  if (out !== text) writeFileSync(file, out), changed++;
}
console.log(`declaration imports: .ts -> .js in ${changed} files`);
