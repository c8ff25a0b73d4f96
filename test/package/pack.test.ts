/**
 * eventgate as a user gets it: `npm pack` (which builds), the tarball
 * installed into an empty project that has no TypeScript loader, and there:
 * embedded on Node, Bun and Deno; the `eventgate` command with its flags,
 * a config file and `publish`; the shipped types checked by tsc with
 * nodenext and bundler resolution; attached to Express 5 under a prefix;
 * eventgate/react alone reaching React, its types checked with the README's
 * Dashboard, and its hooks rendered on a server.
 * The build and the install happen once, shared by every case.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publish, sampleEvent } from '../helpers/server.ts';
import { freePort } from '../helpers/process.ts';
import { readmeDashboard } from '../helpers/readme.ts';
import { SseReader } from '../helpers/sse.ts';
import { WsClient } from '../helpers/ws.ts';

const run = promisify(execFile);
/**
 * The environment of what runs in the consumer project: this run's, without REDIS_URL (the tests may run
 * with one, but the project has no Redis client installed, and the command would refuse to start).
 */
const consumerEnv = (): Record<string, string | undefined> => ({ ...process.env, REDIS_URL: undefined });
const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'node_modules/.bin');
const FIXTURES = path.join(import.meta.dirname, 'consumer');

let project: string;
const children: ChildProcess[] = [];

/** Runs a command in the project; resolves with its exit code and output, whatever the code. */
async function exec(cmd: string, args: string[], cwd = project, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(cmd, args, { cwd, env: withoutUnset({ ...consumerEnv(), ...env }), timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Starts a server process in the project (its own process group); resolves with its URL once /health answers 200. */
async function start(cmd: string, args: string[], opts: { cwd?: string; url?: string; env?: Record<string, string> } = {}): Promise<{ url: string; output: () => string }> {
  const child = spawn(cmd, args, { cwd: opts.cwd ?? project, env: withoutUnset({ ...consumerEnv(), ...opts.env }), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  children.push(child);
  let out = '';
  let url = opts.url;
  child.stdout!.on('data', (d: Buffer) => {
    out += d;
    url ??= /\{"url":"([^"]+)"\}/.exec(out)?.[1];
  });
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${cmd} ${args.join(' ')} exited with ${child.exitCode}:\n${out}`);
    if (
      url &&
      (await fetch(`${url}/health`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    if (
      url &&
      (await fetch(`${url}/events/health`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      break;
    if (Date.now() > deadline) throw new Error(`${cmd} ${args.join(' ')} did not serve within 30 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url: url!, output: () => out };
}

/** What a subscriber sees: one event published to `base` arrives on SSE and, when `ws` is given, on a WebSocket. */
async function deliversOneEvent(base: string, opts: { ws?: boolean; runtime?: string } = {}): Promise<void> {
  if (opts.runtime) {
    // The gateway learnt the runtime that serves it: stats name it, and the live page is served.
    expect((await (await fetch(`${base}/api/events/stats`)).json()).runtime).toBe(opts.runtime);
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script');
  }
  const sse = await SseReader.open(`${base}/api/events/stream?replay=0`);
  expect(sse.status).toBe(200);
  await sse.until((r) => r.messages.some((m) => m.event === 'ready'), 5000, 'SSE ready');
  const ws = opts.ws ? await WsClient.open(`${base.replace('http', 'ws')}/ws/events?replay=0`) : undefined;
  await ws?.until((c) => c.messages.some((m) => m.control === 'ready'), 5000, 'WS ready');
  const res = await publish(base, sampleEvent('cache'));
  expect(res.status).toBe(202);
  const id = res.body.ids[0] as string;
  await sse.until((r) => r.messages.some((m) => m.id === id), 5000, `SSE event ${id}`);
  await ws?.until((c) => c.messages.some((m) => m.id === id), 5000, `WS event ${id}`);
  sse.close();
  ws?.close();
}

describe('the npm package', () => {
  beforeAll(async () => {
    project = mkdtempSync(path.join(os.tmpdir(), 'eventgate-consumer-'));
    // Packed from a copy of the sources: the build clears and rewrites dist/, which the other tests
    // running at the same time serve the page from.
    const source = mkdtempSync(path.join(os.tmpdir(), 'eventgate-source-'));
    for (const f of ['package.json', 'package-lock.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src', 'scripts']) {
      cpSync(path.join(ROOT, f), path.join(source, f), { recursive: true });
    }
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(source, 'node_modules'));
    const packed = await run('npm', ['pack', '--pack-destination', project, '--silent'], { cwd: source, timeout: 120_000 });
    const tarball = path.join(project, packed.stdout.trim().split('\n').pop()!);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    // Only the tarball is installed (with its dependencies, from npm's cache); the host application's
    // own packages (express, @types/node) are linked from this repository's node_modules. No TypeScript loader.
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', tarball], { cwd: project, timeout: 120_000 });
    for (const dep of ['express', '@types/node']) {
      mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(project, 'node_modules', dep));
    }
    for (const f of readdirSync(FIXTURES)) if (f !== 'eventgate.config.mjs') cpSync(path.join(FIXTURES, f), path.join(project, f));
    mkdirSync(path.join(project, 'team'));
    cpSync(path.join(FIXTURES, 'eventgate.config.mjs'), path.join(project, 'team', 'eventgate.config.mjs'));
  }, 240_000);

  afterAll(() => {
    for (const c of children) {
      try {
        process.kill(-c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('ships built JavaScript and types, no TypeScript loader, tests or CI', async () => {
    const installed = path.join(project, 'node_modules');
    expect(readdirSync(installed)).not.toContain('tsx');
    const files = readdirSync(path.join(installed, 'eventgate'));
    expect(files.sort()).toEqual(['README.md', 'dist', 'package.json'].sort());
  });

  it('is imported and served on Node 20 with eventgate/node', async () => {
    const { url } = await start('node', ['serve-node.mjs']);
    await deliversOneEvent(url, { ws: true, runtime: 'node' });
  });

  it('runs as `npx eventgate --port N`, delivering over SSE and WebSocket', async () => {
    const port = await freePort();
    const { url, output } = await start('npx', ['--no', '--', 'eventgate', '--port', String(port), '--host', '127.0.0.1'], { url: `http://127.0.0.1:${port}` });
    await deliversOneEvent(url, { ws: true, runtime: 'node' });
    expect(output()).toContain(`listening on http://127.0.0.1:${port}`);
  });

  it('answers --help, --version and refuses an unknown flag or a bad value with exit 2, naming it', async () => {
    const eventgate = path.join(project, 'node_modules/.bin/eventgate');
    const help = await exec(eventgate, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--history-size N');
    expect(help.stdout).toContain('eventgate publish');
    for (const [command, usage] of [
      ['serve', 'usage: eventgate [serve]'],
      ['publish', 'usage: eventgate publish URL'],
      ['tail', 'usage: eventgate tail URL'],
    ]) {
      const r = await exec(eventgate, [command!, '--help']);
      expect(r, `${command} --help`).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout.startsWith(usage!), `${command} --help: ${r.stdout}`).toBe(true);
    }
    const version = await exec(eventgate, ['--version']);
    expect(version).toMatchObject({ code: 0, stdout: `${devVersion('.')}\n` });
    const unknown = await exec(eventgate, ['--bogus-flag']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('--bogus-flag');
    const bad = await exec(eventgate, ['--history-size', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--history-size');
  });

  it('names the missing Redis client when --redis is given without ioredis installed', async () => {
    const r = await exec(path.join(project, 'node_modules/.bin/eventgate'), ['--redis', 'redis://127.0.0.1:1', '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm install ioredis');
  });

  it('loads ./eventgate.config.mjs: its custom type is accepted by POST /api/events, with its severity rule', async () => {
    const port = await freePort();
    const { url, output } = await start(path.join(project, 'node_modules/.bin/eventgate'), ['--port', String(port), '--host', '127.0.0.1'], {
      cwd: path.join(project, 'team'),
      url: `http://127.0.0.1:${port}`,
    });
    expect(output()).toContain('config eventgate.config.mjs loaded: types deploy');
    const ok = await publish(url, { type: 'deploy', message: 'api 2.1 failed', metadata: { service: 'api', version: '2.1', ok: false } });
    expect(ok.status).toBe(202);
    const bad = await publish(url, { type: 'deploy', message: 'no version', metadata: { service: 'api', ok: true } });
    expect(bad.status).toBe(422);
    expect(bad.body.problems[0].path).toBe('metadata.version');
    const sse = await SseReader.open(`${url}/api/events/stream?types=deploy`);
    await sse.until((r) => r.messages.some((m) => m.event === 'ready'), 5000, 'ready');
    const event = JSON.parse(sse.messages.find((m) => m.id === ok.body.ids[0])!.data);
    expect(event).toMatchObject({ type: 'deploy', severity: 'error' });
    sse.close();
  });

  it('loads the file named by --config (not ./eventgate.config.mjs): its custom type is accepted by POST /api/events', async () => {
    // A name and place no default lookup would find, run from a directory that has no eventgate.config.mjs.
    mkdirSync(path.join(project, 'conf'), { recursive: true });
    writeFileSync(
      path.join(project, 'conf', 'ops-types.mjs'),
      [
        "import * as v from 'valibot';",
        'export default {',
        '  types: { backup: { metadata: v.object({ volume: v.string(), bytes: v.number() }), severity: (m) => (m.bytes > 0 ? "info" : "warning") } },',
        '};',
      ].join('\n'),
    );
    expect(existsSync(path.join(project, 'eventgate.config.mjs')) || existsSync(path.join(project, 'eventgate.config.js'))).toBe(false);
    const port = await freePort();
    const { url, output } = await start(
      path.join(project, 'node_modules/.bin/eventgate'),
      ['--config', path.join('conf', 'ops-types.mjs'), '--port', String(port), '--host', '127.0.0.1'],
      { url: `http://127.0.0.1:${port}` },
    );
    expect(output()).toContain(`config ${path.join('conf', 'ops-types.mjs')} loaded: types backup`);
    const ok = await publish(url, { type: 'backup', message: 'nightly', metadata: { volume: 'db', bytes: 0 } });
    expect(ok.status).toBe(202);
    const bad = await publish(url, { type: 'backup', message: 'no size', metadata: { volume: 'db' } });
    expect(bad.status).toBe(422);
    expect(bad.body.problems[0].path).toBe('metadata.bytes');
    const sse = await SseReader.open(`${url}/api/events/stream?types=backup`);
    await sse.until((r) => r.messages.some((m) => m.event === 'ready'), 5000, 'ready');
    expect(JSON.parse(sse.messages.find((m) => m.id === ok.body.ids[0])!.data)).toMatchObject({ type: 'backup', severity: 'warning' });
    sse.close();
  });

  it('`eventgate publish` sends --token, else PUBLISH_TOKEN, to a gateway that requires a publish token', async () => {
    const token = 'pack-test-publish-token-3c9e';
    const port = await freePort();
    const { url } = await start(path.join(project, 'node_modules/.bin/eventgate'), ['--port', String(port), '--host', '127.0.0.1', '--publish-token', token], {
      url: `http://127.0.0.1:${port}`,
    });
    const line = () => JSON.stringify(sampleEvent('cache'));
    const none = await pipe(['publish', url], line(), { PUBLISH_TOKEN: undefined });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('answered 401');
    expect(none.stderr).toContain('"error":"unauthorized"');
    const byFlag = await pipe(['publish', url, '--token', token], line(), { PUBLISH_TOKEN: undefined });
    expect(byFlag).toMatchObject({ code: 0, stderr: '' });
    const byEnv = await pipe(['publish', url], line(), { PUBLISH_TOKEN: token });
    expect(byEnv).toMatchObject({ code: 0, stderr: '' });
    // The flag wins over the environment.
    const wrongFlag = await pipe(['publish', url, '--token', 'not-the-token'], line(), { PUBLISH_TOKEN: token });
    expect(wrongFlag.code).toBe(1);
    expect(wrongFlag.stderr).toContain('answered 401');
    for (const r of [none, byFlag, byEnv, wrongFlag]) expect(r.stdout + r.stderr).not.toContain(token);
    // What was accepted was stored.
    const ids = [byFlag, byEnv].map((r) => r.stdout.trim());
    const sse = await SseReader.open(`${url}/api/events/stream?replay=10`);
    await sse.until((r) => r.messages.some((m) => m.event === 'ready'), 5000, 'ready');
    expect(sse.events.map((e) => e.id)).toEqual(ids);
    sse.close();
  });

  it('publishes JSON lines from stdin with `eventgate publish`, printing ids; a rejection exits 1 with the gateway body', async () => {
    const { url } = await start('node', ['serve-node.mjs']);
    const lines = [sampleEvent('cache'), sampleEvent('error'), sampleEvent('cgrag')].map((e) => JSON.stringify(e)).join('\n');
    const ok = await pipe(['publish', url, '--batch', '2'], lines);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(3);
    const rejected = await pipe(['publish', url], JSON.stringify([{ type: 'nope', message: 'x', metadata: {} }]));
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('"error":"validation_failed"');
  });

  it('type-checks a consumer against the shipped types with nodenext and bundler resolution', async () => {
    // Every package that the declarations reachable from the exports import resolves in a project that
    // installed only eventgate (ioredis, an optional peer, is imported by eventgate/redis alone).
    const pkgDir = path.join(project, 'node_modules/eventgate');
    const exportsMap = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports as Record<string, { types?: string }>;
    const queue = Object.values(exportsMap).flatMap((e) => (typeof e === 'object' && e.types ? [path.join(pkgDir, e.types)] : []));
    const seen = new Set<string>();
    while (queue.length) {
      const file = queue.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import) ['"]([^'"]+)['"]/g)) {
        const spec = m[1]!;
        if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.d.ts')));
        else if (!spec.startsWith('node:') && spec !== 'ioredis') {
          const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          expect(existsSync(path.join(project, 'node_modules', pkg, 'package.json')), `${path.relative(pkgDir, file)} imports ${spec}`).toBe(true);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(8);
    const base = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2023', 'DOM'], types: ['node'], skipLibCheck: true };
    for (const [name, options] of [
      ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      writeFileSync(path.join(project, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts'] }));
      const r = await exec(path.join(BIN, 'tsc'), ['-p', `tsconfig.${name}.json`]);
      expect(r.stdout + r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
    }
  }, 60_000);

  it('reaches React only from eventgate/react: no other entry point imports it, in its JavaScript or its types', () => {
    const pkgDir = path.join(project, 'node_modules/eventgate');
    const exportsMap = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).exports as Record<string, { types?: string; default?: string } | string>;
    const isReact = (spec: string) => /^(react|react-dom|scheduler|eventgate\/react)(\/|$)/.test(spec);
    for (const [name, entry] of Object.entries(exportsMap)) {
      if (typeof entry !== 'object') continue;
      const js = packagesImported(pkgDir, entry.default!, '.js');
      const dts = packagesImported(pkgDir, entry.types!, '.d.ts');
      if (name === './react') {
        expect(js).toContain('react');
        expect(dts.filter(isReact), `${name} types: a consumer needs React's types only for its own code`).toEqual([]);
      } else {
        expect(js.filter(isReact), `${name} code`).toEqual([]);
        expect(dts.filter(isReact), `${name} types`).toEqual([]);
      }
    }
    // An optional peer: installing eventgate did not install React.
    expect(existsSync(path.join(project, 'node_modules/react'))).toBe(false);
  });

  it("eventgate/react: the README's Dashboard and typed handlers type-check against the shipped types, and the hooks render on a server", async () => {
    // The application brings React and its types (here from this repository's node_modules).
    for (const dep of ['react', 'react-dom', '@types/react', '@types/react-dom']) {
      mkdirSync(path.dirname(path.join(project, 'node_modules', dep)), { recursive: true });
      symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(project, 'node_modules', dep));
    }
    writeFileSync(path.join(project, 'dashboard.tsx'), readmeDashboard());
    const base = { strict: true, noEmit: true, target: 'ES2022', lib: ['ES2023', 'DOM'], types: [], jsx: 'react-jsx', skipLibCheck: true };
    for (const [name, options] of [
      ['nodenext', { module: 'nodenext', moduleResolution: 'nodenext' }],
      ['bundler', { module: 'esnext', moduleResolution: 'bundler' }],
    ] as const) {
      writeFileSync(path.join(project, `tsconfig.react-${name}.json`), JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['dashboard.tsx', 'react-consumer.ts'] }));
      const r = await exec(path.join(BIN, 'tsc'), ['-p', `tsconfig.react-${name}.json`]);
      expect(r.stdout + r.stderr, name).toBe('');
      expect(r.code, name).toBe(0);
    }
    const ssr = await exec('node', ['react-ssr.mjs']);
    expect(ssr.stderr).toBe('');
    expect(ssr.stdout.trim()).toBe('<p>idle 0 none 0 ok</p>');
  }, 60_000);

  it('is imported and served on Bun with eventgate/bun', async () => {
    const { url } = await start(path.join(BIN, 'bun'), ['serve-bun.mjs']);
    await deliversOneEvent(url, { ws: true, runtime: 'bun' });
  });

  it('is imported and served on Deno with eventgate/deno', async () => {
    const { url } = await start(path.join(BIN, 'deno'), [
      'run',
      '--allow-net',
      '--allow-env',
      '--allow-read',
      '--allow-sys',
      '--node-modules-dir=manual',
      '--cached-only',
      'serve-deno.mjs',
    ]);
    await deliversOneEvent(url, { ws: true, runtime: 'deno' });
  });

  it('attaches to an Express 5 server under /events, streaming while Express still answers its own routes and upgrades', async () => {
    const { url } = await start('node', ['express.mjs']);
    const hello = await fetch(`${url}/hello`);
    expect(await hello.json()).toEqual({ hello: 'from express' });
    await deliversOneEvent(`${url}/events`, { ws: true });
    const express404 = await fetch(`${url}/api/events/stream`);
    expect(express404.status).toBe(404);
    expect(express404.headers.get('content-type')).toContain('text/html'); // Express's answer, not the gateway's
    expect(await hostUpgrade(url)).toContain('Upgrade: host');
    expect((await fetch(`${url}/hello`)).status).toBe(200);
  });
});

/**
 * The packages that the files reachable from `entry` (relative to `pkgDir`) import, following relative
 * imports (as `ext` files: `.js` for the code, `.d.ts` for the types) and `import()`s.
 */
function packagesImported(pkgDir: string, entry: string, ext: '.js' | '.d.ts'): string[] {
  const queue = [path.join(pkgDir, entry)];
  const seen = new Set<string>();
  const packages = new Set<string>();
  while (queue.length) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)['"]([^'"]+)['"]/g)) {
      const spec = m[1]!;
      if (spec.startsWith('.')) queue.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, ext)));
      else if (!spec.startsWith('node:')) packages.add(spec);
    }
  }
  return [...packages].sort();
}

/** The version of a devDependency here ('.' for this package's own). */
function devVersion(name: string): string {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, name === '.' ? 'package.json' : `node_modules/${name}/package.json`), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs the installed command with `input` on stdin; `env` changes the environment (undefined removes a variable). */
function pipe(args: string[], input: string, env: Record<string, string | undefined> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(path.join(project, 'node_modules/.bin/eventgate'), args, {
      cwd: project,
      env: withoutUnset({ ...consumerEnv(), ...env }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** An upgrade the host handles itself: resolves with the head of its answer. */
function hostUpgrade(base: string): Promise<string> {
  const { port } = new URL(base);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(port), '127.0.0.1', () => {
      sock.write('GET /host-upgrade HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: host\r\n\r\n');
    });
    let got = '';
    sock.on('data', (d) => {
      got += d;
      if (got.includes('\r\n\r\n')) {
        sock.destroy();
        resolve(got);
      }
    });
    sock.on('error', reject);
  });
}

/** An environment with the variables set to undefined left out. */
function withoutUnset(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}
