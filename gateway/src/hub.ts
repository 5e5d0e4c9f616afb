// The composition root: decides where each module runs. By default the catalog and the audit log
// are opened in this process and the gateway calls their faces directly (no HTTP, no serialisation);
// a module given by URL runs remote and is called through the client generated from its face. The
// quality service is its own process (scoring is batch work, off the read path): when the catalog is
// in this process, its face is also served on an internal port for the quality service to read.
import { type AuditModule, type AuditModuleOptions, openAuditModule } from '@govshare/audit';
import {
  type CatalogModule,
  type CatalogModuleOptions,
  type CatalogOptions,
  openCatalogModule,
  serveCatalog,
} from '@govshare/catalog';
import { addPoolMetrics, createMetricsRegistry, type Logger } from '@govshare/platform';
import { buildGateway, type Gateway, type GatewayOptions } from './app.ts';

type Placed<Options> = { url: string } | { inProcess: Options };

export interface HubOptions {
  /** Everything the gateway takes but where its modules are. */
  gateway: Omit<GatewayOptions, 'catalog' | 'catalogReady' | 'catalogUrl' | 'audit' | 'auditReady' | 'auditUrl'>;
  catalog: Placed<CatalogModuleOptions>;
  audit: Placed<AuditModuleOptions>;
  /**
   * Serve the in-process catalog's face to the quality service on this address (its token may call
   * only the catalog's three reads).
   */
  serveCatalogTo?: { host: string; port: number } & Pick<CatalogOptions, 'servicePublicJwk' | 'qualityPublicJwk'>;
  logger: Logger;
}

export interface Hub {
  gateway: Gateway;
  /** The modules opened in this process (absent when remote). */
  catalog?: CatalogModule;
  audit?: AuditModule;
  /** Where the in-process catalog is served to the quality service, if it is. */
  catalogUrl?: string;
  close(): Promise<void>;
}

export async function openHub(o: HubOptions): Promise<Hub> {
  const opened: { close(): Promise<void> }[] = [];
  const closeAll = async () => {
    for (const m of opened.reverse()) await m.close().catch((err) => o.logger.error({ err }, 'hub: close failed'));
  };
  try {
    // The audit log first: nothing may be served before it can commit.
    const audit = 'inProcess' in o.audit ? await openAuditModule(o.audit.inProcess) : undefined;
    if (audit) opened.push(audit);
    const catalog = 'inProcess' in o.catalog ? await openCatalogModule(o.catalog.inProcess) : undefined;
    if (catalog) opened.push(catalog);
    const registry = createMetricsRegistry({ processMetrics: (o.gateway.metrics?.expose ?? 'off') !== 'off' });
    const gateway = await buildGateway({
      ...o.gateway,
      metrics: { ...o.gateway.metrics, registry },
      ...(catalog
        ? { catalog: catalog.face, catalogReady: catalog.ready }
        : { catalogUrl: (o.catalog as { url: string }).url }),
      ...(audit ? { audit: audit.face, auditReady: audit.ready } : { auditUrl: (o.audit as { url: string }).url }),
    });
    opened.push(gateway);
    // The modules in this process count on the hub's registry, served with the gateway's metrics.
    audit?.registerMetrics(gateway.metrics);
    if (catalog) addPoolMetrics(gateway.metrics, 'catalog', catalog.database.poolState);
    let catalogUrl: string | undefined;
    if (catalog && o.serveCatalogTo) {
      const app = serveCatalog(catalog, { ...o.serveCatalogTo, logger: o.logger });
      catalogUrl = await app.listen({ host: o.serveCatalogTo.host, port: o.serveCatalogTo.port });
      // Closed before the gateway and the modules: the quality service's reads end first.
      opened.push({ close: () => app.close() });
    }
    return { gateway, catalog, audit, catalogUrl, close: closeAll };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
