/**
 * `eventgate tail` as a real child process, run from the sources: what it
 * printed on standard output and error, its exit, and a wait for a condition.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class Tail {
  readonly child: ChildProcess;
  out = '';
  err = '';
  readonly exited: Promise<number | null>;
  constructor(args: string[]) {
    this.child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "import { runTail, processTailIO } from './src/cli/tail.ts'; process.exitCode = await runTail(process.argv.slice(1), processTailIO());",
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    this.child.stdout!.on('data', (d) => (this.out += d));
    this.child.stderr!.on('data', (d) => (this.err += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }
  lines(): string[] {
    return this.out.split('\n').filter(Boolean);
  }
  async until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!pred()) {
      if (Date.now() > deadline) throw new Error(`tail: timed out waiting for ${what}\nstdout:\n${this.out}\nstderr:\n${this.err}`);
      if (this.child.exitCode !== null) throw new Error(`tail exited ${this.child.exitCode} while waiting for ${what}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
