import net from 'node:net';

/**
 * A tiny TCP round-robin in front of the cluster's nodes, standing in for what a hospital puts between its app
 * instances and Galera (HAProxy or MaxScale, docs/deployment.md): each new connection goes to the next node in
 * turn, and a node that refuses the connection (down) is skipped for the next one. A connection already open to
 * a node that dies is closed, as a load balancer does; the app's pool then opens a new one, to a live node.
 */
export class RoundRobinProxy {
  /** How many connections were opened to each node (by port), for the report of where the load went. */
  readonly connectionsTo = new Map<number, number>();
  private next = 0;
  private readonly open = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, private readonly ports: number[], readonly port: number) {}

  /** Listens on a free 127.0.0.1 port; `first` is the index of the node the first connection goes to. */
  static async start(ports: number[], first = 0): Promise<RoundRobinProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const proxy = new RoundRobinProxy(server, ports, (server.address() as net.AddressInfo).port);
    proxy.next = first % ports.length;
    server.on('connection', (client) => proxy.accept(client));
    return proxy;
  }

  url(database: string): string {
    return `mysql://root@127.0.0.1:${this.port}/${database}`;
  }

  private accept(client: net.Socket): void {
    this.track(client);
    client.pause();
    const start = this.next;
    this.next = (this.next + 1) % this.ports.length;
    const attempt = (tried: number) => {
      if (tried === this.ports.length || client.destroyed) return client.destroy();
      const port = this.ports[(start + tried) % this.ports.length];
      const upstream = net.connect({ host: '127.0.0.1', port });
      let connected = false;
      upstream.once('error', () => {
        if (!connected) attempt(tried + 1);
      });
      upstream.once('connect', () => {
        connected = true;
        if (client.destroyed) return upstream.destroy();
        this.track(upstream);
        this.connectionsTo.set(port, (this.connectionsTo.get(port) ?? 0) + 1);
        upstream.removeAllListeners('error');
        // Either side closing or failing closes the other: the app sees its connection to a dead node break.
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      });
    };
    attempt(0);
  }

  private track(socket: net.Socket) {
    this.open.add(socket);
    socket.on('close', () => this.open.delete(socket));
  }

  async close(): Promise<void> {
    for (const socket of this.open) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
