// PostGraphile 4 anchor for bench/gateway.bench.ts: library mode (postgraphile(url, schema, options)
// as the handler of a node:http server) over the bench's typed table. Started as a child process by
// the bench: PostGraphile 4 needs graphql 15 while the hub uses 16, and a separate process is how
// the hub's own services run, so all servers are measured the same way and none shares the load
// generator's event loop. Production-style options: no GraphiQL, no watch, no query log.
// Env: DATABASE_URL, BENCH_PG_SCHEMA. Sends { port } over IPC once the schema is built and it listens.
import { createServer } from 'node:http';
import { serveToParent } from '../../child-server.ts';
import { postgraphile } from 'postgraphile';

const handler = postgraphile(process.env.DATABASE_URL!, process.env.BENCH_PG_SCHEMA!, {
  graphiql: false,
  watchPg: false,
  disableQueryLog: true,
  disableDefaultMutations: true,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  extendedErrors: ['errcode'],
});

const server = createServer(handler);
// postgraphile() introspects lazily; ask once so the schema is built before the bench is told to go.
serveToParent(server, async (port) => {
  const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ __typename }' }),
  });
  if (!res.ok) throw new Error(`PostGraphile did not start: ${res.status} ${await res.text()}`);
});
