#!/usr/bin/env node
/**
 * The `eventgate` command (package.json `bin`): a small table of
 * subcommands, each its own module with `usage` and `run(argv)`. Without a
 * subcommand it serves. Exit codes: 0 done, 1 failed, 2 bad usage (an
 * unknown flag or command, a bad flag value), named on stderr.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from './args.ts';

interface Command {
  summary: string;
  load(): Promise<{ usage: string; run(argv: string[]): Promise<number | undefined> }>;
}

const COMMANDS: Record<string, Command> = {
  serve: { summary: 'start the gateway (the default)', load: () => import('./serve.ts') },
  publish: { summary: 'publish events read from stdin: eventgate publish URL < events.jsonl', load: () => import('./publish.ts') },
  tail: {
    summary: 'watch a stream in the terminal: eventgate tail URL --types error',
    load: () => import('./tail.ts').then((t) => ({ usage: t.TAIL_USAGE, run: (argv: string[]) => t.runTail(argv, t.processTailIO()) })),
  },
};

function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function help(): Promise<string> {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  eventgate ${name.padEnd(10)} ${c.summary}`);
  const serve = await COMMANDS.serve!.load();
  return `eventgate ${version()}: an event gateway for SSE and WebSocket\n\n${lines.join('\n')}\n  eventgate --version\n  eventgate COMMAND --help\n\n${serve.usage}`;
}

async function main(argv: string[]): Promise<number | undefined> {
  const [first, ...rest] = argv;
  if (first === '--version' || first === '-v') {
    console.log(version());
    return 0;
  }
  if (first === '--help' || first === '-h' || first === 'help') {
    console.log(await help());
    return 0;
  }
  if (first !== undefined && !first.startsWith('-')) {
    const command = COMMANDS[first];
    if (!command) throw new UsageError(`unknown command "${first}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return (await command.load()).run(rest);
  }
  return (await COMMANDS.serve!.load()).run(argv);
}

main(process.argv.slice(2)).then(
  (code) => {
    if (typeof code === 'number') process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      console.error(err.message);
      console.error('run eventgate --help for the flags');
      process.exit(err.exitCode);
    }
    console.error(err);
    process.exit(1);
  },
);
