/**
 * Gateways as real processes (`node --import tsx src/runtimes/node/main.ts`)
 * on one Redis, started, stopped (SIGTERM, as a supervisor does) and
 * restarted on the same port; and a client that follows the stream across
 * them, reconnecting to whichever is up with its Last-Event-ID.
 */
import { freePort, spawnGateway, type GatewayProcess } from '../helpers/process.ts';
import { SseReader } from '../helpers/sse.ts';

export interface Node {
  port: number;
  url: string;
  env: Record<string, string>;
  proc: GatewayProcess;
}

export async function startNode(env: Record<string, string>, port?: number): Promise<Node> {
  const p = port ?? (await freePort());
  const full = { SHUTDOWN_TIMEOUT_MS: '2000', SHUTDOWN_RETRY_JITTER_MS: '0', ...env, PORT: String(p) };
  const proc = await spawnGateway(full);
  if (proc.child.exitCode !== null) throw new Error(`gateway exited at start:\n${proc.output()}`);
  return { port: p, url: proc.url, env: full, proc };
}

/** SIGTERM, and waits for the process to be gone. */
export async function stopNode(n: Node): Promise<void> {
  if (n.proc.child.exitCode === null) n.proc.child.kill('SIGTERM');
  await n.proc.exited;
}

/** The same gateway again (same port and settings), as after a deploy. */
export async function restartNode(n: Node): Promise<Node> {
  await stopNode(n);
  return startNode(n.env, n.port);
}

export async function health(url: string): Promise<{ status: number; body: any }> {
  try {
    const res = await fetch(`${url}/health`);
    return { status: res.status, body: await res.json() };
  } catch {
    return { status: 0, body: null };
  }
}

/** Polls until `pred` holds; throws after a generous bound. */
export async function eventually(pred: () => boolean | Promise<boolean>, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * An SSE client that follows the whole stream: when its connection ends
 * (the gateway shut down) it reconnects to the next gateway that answers,
 * with Last-Event-ID, as EventSource would.
 */
export class Follower {
  readonly ids: string[] = [];
  readonly gaps: any[] = [];
  reconnects = 0;
  #stop = false;
  #current: SseReader | undefined;
  #done: Promise<void> | undefined;

  constructor(readonly urls: () => string[]) {}

  /** Connects to the first gateway; resolves once it is live. */
  async start(): Promise<void> {
    const r = await SseReader.open(`${this.urls()[0]}/api/events/stream?replay=0`);
    await r.until((x) => x.named('ready').length === 1);
    this.#current = r;
    this.#done = this.#run(r);
  }

  get last(): string | undefined {
    return this.ids[this.ids.length - 1];
  }

  async #run(first: SseReader): Promise<void> {
    let r: SseReader | undefined = first;
    let i = 0;
    while (!this.#stop) {
      if (!r) {
        const urls = this.urls();
        const url = urls[i++ % urls.length]!;
        try {
          r = await SseReader.open(`${url}/api/events/stream`, this.last ? { 'last-event-id': this.last } : {});
          if (r.status !== 200) r.close(), (r = undefined);
        } catch {
          r = undefined;
        }
        if (!r) {
          await pause(100);
          continue;
        }
        this.reconnects++;
        this.#current = r;
      }
      while (!r.closed && !this.#stop) await pause(25);
      this.ids.push(...r.events.map((e) => e.id));
      this.gaps.push(...r.named('gap'));
      r.close();
      r = undefined;
    }
  }

  /** Waits until the follower has seen `id`. */
  async reach(id: string, ms = 20_000): Promise<void> {
    await eventually(() => this.ids.includes(id) || !!this.#current?.events.some((e) => e.id === id), `the follower to reach ${id}`, ms);
  }

  async stop(): Promise<void> {
    this.#stop = true;
    this.#current?.close();
    await this.#done;
  }
}
