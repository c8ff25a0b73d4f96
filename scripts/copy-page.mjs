// Stand-in for `npm run build:web` (helper h16 bundles the page and the browser
// client with esbuild into dist/web): copies src/ui and src/client as they are
// into dist/ui and dist/client, where runtimes/assets.ts and the package's
// `eventgate/client` exports find them. Replace its call in package.json's
// `build` with `npm run build:web` once that lands in main.
import { cpSync } from 'node:fs';

for (const dir of ['ui', 'client']) cpSync(new URL(`../src/${dir}`, import.meta.url), new URL(`../dist/${dir}`, import.meta.url), { recursive: true });
