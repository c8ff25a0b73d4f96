/**
 * Code blocks of the README, for the tests that run its examples as written.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

const README = path.resolve(import.meta.dirname, '../../README.md');

/** The one ```<lang> block of the README that contains `marker`; throws unless there is exactly one. */
export function readmeBlock(lang: string, marker: string): string {
  const text = readFileSync(README, 'utf8');
  const blocks = [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, 'g'))].map((m) => m[1]!).filter((b) => b.includes(marker));
  if (blocks.length !== 1) throw new Error(`README.md has ${blocks.length} \`\`\`${lang} blocks containing ${JSON.stringify(marker)}; expected one`);
  return blocks[0]!;
}

/** The README's React example: the Dashboard component, importing eventgate/react. */
export const readmeDashboard = (): string => readmeBlock('tsx', "from 'eventgate/react'");
