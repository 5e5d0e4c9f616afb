export * from './errors.ts';
export * from './env.ts';
export * from './logger.ts';
export * from './db.ts';
export * from './service-token.ts';
export * from './http.ts';
export * from './service-client.ts';
export * from './keys.ts';
// The masking functions (part of the policy) stay reachable from here; the decisions are `@govshare/platform/policy`.
export * from './policy/masking.ts';
export * from './module-face.ts';
export * from './metrics.ts';
export * from './tracing.ts';
