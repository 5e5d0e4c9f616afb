import { buildGateway, type GatewayOptions } from './app.ts';

export { buildGateway, type GatewayOptions } from './app.ts';
export { openHub, type Hub, type HubOptions } from './hub.ts';
export { mintCallerToken, loadDevIssuerKeys } from './tokens/dev-issuer.ts';
export { printGatewaySchema } from './graphql/schema/index.ts';

/** Builds and listens; returns the base URL (port 0 = any free port). */
export async function startGateway(o: GatewayOptions & { host?: string; port?: number }) {
  const gw = await buildGateway(o);
  const address = await gw.app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
  return { url: address, deps: gw.deps, metricsUrl: gw.metricsUrl, close: gw.close };
}
