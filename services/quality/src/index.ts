import { loadQualitySigningKeys, type Logger } from '@govshare/platform';
import { buildQuality, type QualityOptions } from './app.ts';

export {
  buildQuality,
  openQualityModule,
  type QualityModule,
  type QualityModuleOptions,
  type QualityOptions,
} from './app.ts';
export { createQualityFace, qualityFaceSpec, type QualityFace } from './face.ts';
export type * from './face.ts';
export type { RecordSource } from './source.ts';
export { catalogSource, memorySource } from './source.ts';
export { DatasetScorer, scoreBatches, type QualityMetrics } from './metrics/scorer.ts';
export { WorkerScorer } from './metrics/worker-scorer.ts';
export { verifyPublication, canonicalJson } from './signing.ts';

export interface StartQualityOptions extends QualityOptions {
  host?: string;
  /** 0 = any free port. */
  port?: number;
  logger?: Logger;
}

/** Builds and listens; returns the URL and a close function (tests, benchmarks, the start script). */
export async function startQuality(
  opts: StartQualityOptions,
): Promise<{ url: string; close: () => Promise<void>; quality: Awaited<ReturnType<typeof buildQuality>> }> {
  const quality = await buildQuality(opts);
  const address = await quality.app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 0 });
  return { url: address.replace('[::1]', '127.0.0.1'), close: quality.close, quality };
}

/** Dev helper: the quality service's own key pair for its catalog reads (the catalog trusts its public half for GETs only). */
export const loadQualityServiceKeys = (dataDir: string) => loadQualitySigningKeys(dataDir);
