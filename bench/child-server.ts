// How a bench server started by bench/gateway.bench.ts (startChild) runs: it tells its port over IPC
// once listening, keeps connections alive, and exits when the parent goes or asks.
import type { Server } from 'node:http';

export function serveToParent(server: Server, ready: (port: number) => Promise<void> = async () => {}): void {
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1', async () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await ready(port);
    process.send?.({ port });
  });
  process.on('disconnect', () => process.exit(0));
  process.on('SIGTERM', () => process.exit(0));
}
