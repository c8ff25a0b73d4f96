/**
 * A TCP proxy in front of a real server, which a test can cut (every
 * connection dropped, new ones refused) and restore: one gateway loses its
 * Redis while the others keep theirs.
 */
import net from 'node:net';

export class TcpProxy {
  readonly port: number;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #cut = false;
  #swallowMarker: string | undefined;

  private constructor(server: net.Server, port: number) {
    this.#server = server;
    this.port = port;
  }

  static async start(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = net.createServer((inbound) => {
      if (!proxy || proxy.#cut) return void inbound.destroy();
      const outbound = net.connect(targetPort, targetHost);
      proxy.#sockets.add(inbound).add(outbound);
      const drop = () => {
        inbound.destroy();
        outbound.destroy();
        proxy!.#sockets.delete(inbound);
        proxy!.#sockets.delete(outbound);
      };
      inbound.on('error', drop).on('close', drop);
      outbound.on('error', drop).on('close', drop);
      let doomed = false;
      inbound.on('data', (d: Buffer) => {
        const marker = proxy!.#swallowMarker;
        if (marker && d.includes(marker)) {
          proxy!.#swallowMarker = undefined;
          doomed = true;
        }
        outbound.write(d);
      });
      outbound.on('data', (d: Buffer) => {
        // The request went through; its answer is lost with the connection.
        if (doomed) return void drop();
        inbound.write(d);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Drops every connection and refuses new ones until `restore`. */
  cut(): void {
    this.#cut = true;
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
  }

  /**
   * The next request containing `marker` reaches the server, but the
   * connection breaks before its answer comes back.
   */
  loseReplyTo(marker: string): void {
    this.#swallowMarker = marker;
  }

  restore(): void {
    this.#cut = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
