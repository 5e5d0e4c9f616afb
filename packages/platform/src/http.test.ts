import { describe, expect, it } from 'vitest';
import { createServiceApp } from './http.ts';
import { createLogger } from './logger.ts';

describe('service app: the database unavailable is UNAVAILABLE, and readiness answers within a second', () => {
  it('maps broken-connection and timeout errors (also wrapped, as drizzle does) to 503 UNAVAILABLE', async () => {
    const app = createServiceApp({ logger: createLogger('t', 'silent') });
    const pgError = (code: string) => Object.assign(new Error('db'), { code });
    const cases: [string, unknown][] = [
      ['terminated', pgError('57P01')],
      ['read-only', pgError('25006')],
      ['statement timeout', pgError('57014')],
      ['wrapped', Object.assign(new Error('Failed query'), { cause: pgError('CONNECT_TIMEOUT') })],
    ];
    cases.forEach(([name, err]) => app.get(`/${name.replace(/ /g, '-')}`, async () => Promise.reject(err)));
    app.get('/bug', async () => Promise.reject(new Error('bug')));
    for (const [name] of cases) {
      const res = await app.inject({ method: 'GET', url: `/${name.replace(/ /g, '-')}` });
      expect(res.statusCode, name).toBe(503);
      expect(res.json().error.code).toBe('UNAVAILABLE');
    }
    expect((await app.inject({ method: 'GET', url: '/bug' })).statusCode).toBe(500);
    await app.close();
  });

  it('a readiness probe that hangs answers 503 after a second', async () => {
    const app = createServiceApp({ logger: createLogger('t', 'silent'), ready: () => new Promise(() => {}) });
    const res = await app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    await app.close();
  });
});
