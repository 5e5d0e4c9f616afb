export * from './errors.ts';
export * from './env.ts';
export * from './logger.ts';
export * from './db.ts';
export * from './service-token.ts';
export * from './http.ts';
export * from './service-client.ts';
export * from './keys.ts';
