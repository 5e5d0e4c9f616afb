import { Agent, request } from 'undici';
import { assertContract, ContractViolation } from '@govshare/contracts';
import { AppError, codeForStatus } from './errors.ts';
import { REQUEST_ID_HEADER } from './http.ts';
import type { ServiceTokenSigner } from './service-token.ts';

export interface ServiceClientOptions {
  /** Name of the called service; also the audience of the service token. */
  service: string;
  baseUrl: string;
  signer: ServiceTokenSigner;
  timeoutMs?: number;
  connections?: number;
}

export interface CallOptions {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  requestId: string;
  body?: unknown;
  /** Raw body (e.g. an NDJSON stream) with its content type. */
  raw?: { body: NodeJS.ReadableStream | Buffer | string; contentType: string };
  /** Contract the response body must satisfy; checked on receipt. */
  responseSchema?: string;
}

export interface ServiceClient {
  call<T>(opts: CallOptions): Promise<T>;
  close(): Promise<void>;
}

/**
 * Calls another govshare service over keep-alive HTTP with a fresh service token and the caller's
 * request id. Errors from the callee keep their code; a callee that cannot be reached is UNAVAILABLE.
 */
export function createServiceClient(opts: ServiceClientOptions): ServiceClient {
  const dispatcher = new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  const timeout = opts.timeoutMs ?? 10_000;
  return {
    async call<T>(c: CallOptions): Promise<T> {
      const headers: Record<string, string> = {
        authorization: `Bearer ${await opts.signer.tokenFor(opts.service)}`,
        [REQUEST_ID_HEADER]: c.requestId,
      };
      let body: any;
      if (c.raw) {
        headers['content-type'] = c.raw.contentType;
        body = c.raw.body;
      } else if (c.body !== undefined) {
        headers['content-type'] = 'application/json';
        body = JSON.stringify(c.body);
      }
      let res;
      try {
        res = await request(opts.baseUrl + c.path, { method: c.method, headers, body, dispatcher, headersTimeout: timeout, bodyTimeout: timeout });
      } catch (err) {
        throw new AppError('UNAVAILABLE', `${opts.service} service unavailable`, { cause: (err as Error).message });
      }
      const text = await res.body.text();
      let parsed: any;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        throw new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service sent a non-JSON reply`);
      }
      if (res.statusCode >= 400) {
        const err = parsed?.error;
        // A refused service token is our fault, not the caller's.
        if (res.statusCode === 401) throw new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service refused the gateway's credentials`);
        throw new AppError(err?.code ?? codeForStatus(res.statusCode), err?.message ?? `${opts.service} service error ${res.statusCode}`, err?.details);
      }
      if (c.responseSchema) {
        try {
          assertContract(c.responseSchema, parsed);
        } catch (e) {
          if (e instanceof ContractViolation) throw new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service broke its contract: ${e.message}`);
          throw e;
        }
      }
      return parsed as T;
    },
    close: () => dispatcher.close(),
  };
}
