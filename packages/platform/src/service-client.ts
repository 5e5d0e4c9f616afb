import type { Readable } from 'node:stream';
import { Agent, request } from 'undici';
import { assertContract, ContractViolation } from '@govshare/contracts';
import { AppError, codeForStatus } from './errors.ts';
import { REQUEST_ID_HEADER } from './http.ts';
import type { ServiceTokenSigner } from './service-token.ts';
import { injectTraceContext } from './tracing.ts';

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
  /** Extra request headers (a face's caller and upload parameters). */
  headers?: Record<string, string>;
}

export interface ServiceClient {
  /** The called service (spans of its face's calls are named for it). */
  readonly service: string;
  call<T>(opts: CallOptions): Promise<T>;
  /** Like call, but hands back the reply body as a stream (exports); errors still become AppErrors. */
  stream(opts: Omit<CallOptions, 'responseSchema'>): Promise<{ contentType: string; body: Readable }>;
  close(): Promise<void>;
}

/**
 * Calls another govshare service over keep-alive HTTP with a fresh service token and the caller's
 * request id. Errors from the callee keep their code; a callee that cannot be reached is UNAVAILABLE.
 */
export function createServiceClient(opts: ServiceClientOptions): ServiceClient {
  const dispatcher = new Agent({ connections: opts.connections ?? 64, keepAliveTimeout: 30_000, pipelining: 1 });
  const timeout = opts.timeoutMs ?? 10_000;
  const send = async (c: Omit<CallOptions, 'responseSchema'>) => {
    const headers: Record<string, string> = {
      ...c.headers,
      authorization: `Bearer ${await opts.signer.tokenFor(opts.service)}`,
      [REQUEST_ID_HEADER]: c.requestId,
    };
    // The active span's traceparent: the called service's spans join the caller's trace.
    injectTraceContext(headers);
    let body: any;
    if (c.raw) {
      headers['content-type'] = c.raw.contentType;
      body = c.raw.body;
    } else if (c.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(c.body);
    }
    try {
      return await request(opts.baseUrl + c.path, {
        method: c.method,
        headers,
        body,
        dispatcher,
        headersTimeout: timeout,
        bodyTimeout: timeout,
      });
    } catch (err) {
      throw new AppError('UNAVAILABLE', `${opts.service} service unavailable`, { cause: (err as Error).message });
    }
  };

  const failure = (statusCode: number, parsed: any): AppError => {
    const err = parsed?.error;
    // A refused service token is our fault, not the caller's.
    if (statusCode === 401)
      return new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service refused the gateway's credentials`);
    return new AppError(
      err?.code ?? codeForStatus(statusCode),
      err?.message ?? `${opts.service} service error ${statusCode}`,
      err?.details,
    );
  };

  return {
    service: opts.service,
    async call<T>(c: CallOptions): Promise<T> {
      const res = await send(c);
      const text = await res.body.text();
      let parsed: any;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        throw new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service sent a non-JSON reply`);
      }
      if (res.statusCode >= 400) throw failure(res.statusCode, parsed);
      if (c.responseSchema) {
        try {
          assertContract(c.responseSchema, parsed);
        } catch (e) {
          if (e instanceof ContractViolation)
            throw new AppError('INTERNAL_SERVER_ERROR', `${opts.service} service broke its contract: ${e.message}`);
          throw e;
        }
      }
      return parsed as T;
    },
    async stream(c) {
      const res = await send(c);
      if (res.statusCode >= 400) {
        const text = await res.body.text();
        let parsed: unknown;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        throw failure(res.statusCode, parsed);
      }
      return {
        contentType: String(res.headers['content-type'] ?? 'application/octet-stream'),
        body: res.body as unknown as Readable,
      };
    },
    close: () => dispatcher.close(),
  };
}
