/**
 * The live event page: GET / answers the HTML with a Content-Security-Policy,
 * and every script it loads (the ones the HTML names under /assets/ and
 * /client/, and the modules those import, followed to the end) answers 200
 * with a JavaScript content type, so that a browser would run it. The
 * stylesheet it names answers as CSS. A file that is not there is a 404.
 */
import { describe, expect, it } from 'vitest';
import type { Target } from './target.ts';

/** Static `import … from '…'`, `export … from '…'` and bare `import '…'` at the start of a line. */
const IMPORTS = [/^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm];
const PAGE_PATH = /^\/(assets|client)\/[^/]+\.(js|css)$/;

async function get(url: string): Promise<{ status: number; type: string; csp: string | null; text: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', csp: res.headers.get('content-security-policy'), text: await res.text() };
}

/** The page's own files a text refers to (`src`/`href` in HTML, imports in JS), as paths resolved against `from`. */
function references(text: string, from: URL, patterns: RegExp[]): string[] {
  const out: string[] = [];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) {
      const u = new URL(m[1]!, from);
      if (u.origin === from.origin && PAGE_PATH.test(u.pathname)) out.push(u.pathname);
    }
  }
  return out;
}

export function pageChecks(t: () => Target): void {
  describe('live page', () => {
    it('GET / serves the page with a CSP, and every script it loads from /assets/ and /client/ as JavaScript', async () => {
      const base = new URL('/', t().url);
      const page = await get(base.href);
      expect(page.status).toBe(200);
      expect(page.type).toMatch(/^text\/html\b/);
      expect(page.csp).toContain("script-src 'self'");
      expect(page.csp).not.toContain('unsafe-inline');

      const named = references(page.text, base, [/\b(?:src|href)\s*=\s*["']([^"']+)["']/g]);
      expect(named.filter((p) => p.endsWith('.js')).length).toBeGreaterThan(0);
      const loaded = new Map<string, number>();
      const queue = [...named];
      for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
        if (loaded.has(path)) continue;
        const url = new URL(path, base);
        const file = await get(url.href);
        loaded.set(path, file.status);
        expect(file.status, path).toBe(200);
        if (path.endsWith('.css')) {
          expect(file.type, path).toMatch(/^text\/css\b/);
          continue;
        }
        expect(file.type, path).toMatch(/^(text|application)\/javascript\b/);
        queue.push(...references(file.text, url, IMPORTS));
      }
      const paths = [...loaded.keys()];
      // The page's own modules and the browser client it imports.
      expect(
        paths.some((p) => p.startsWith('/assets/') && p.endsWith('.js')),
        paths.join(' '),
      ).toBe(true);
      expect(
        paths.some((p) => p.startsWith('/client/') && p.endsWith('.js')),
        paths.join(' '),
      ).toBe(true);
    });

    it('answers page files that are not there with 404 and JSON, however many names are asked for, and still serves the page', async () => {
      const names = Array.from({ length: 200 }, (_, i) => (i % 2 ? `/assets/missing-${i}.js` : `/client/missing-${i}.css`));
      for (let i = 0; i < names.length; i += 50) {
        const answers = await Promise.all(names.slice(i, i + 50).map((n) => get(new URL(n, t().url).href)));
        for (const [j, a] of answers.entries()) {
          expect(a.status, names[i + j]).toBe(404);
          expect(JSON.parse(a.text), names[i + j]).toMatchObject({ error: 'not_found' });
        }
      }
      expect((await get(new URL('/', t().url).href)).status).toBe(200);
    });
  });
}
