// The floor of bench/gateway.bench.ts: postgres.js behind a bare node:http server, answering the
// benchmark's two queries on the typed table as JSON. Started as a child process (like the hub's
// services and PostGraphile) so it never shares an event loop with the load generator.
//   GET /filter?district=D0001   20 rows, 5 fields + key, by the indexed district column
//   GET /key?recordNo=R0000001   1 row by primary key
// Env: DATABASE_URL, BENCH_PG_SCHEMA. Sends { port } over IPC once listening; exits when the parent goes.
import { createServer } from 'node:http';
import { serveToParent } from './child-server.ts';
import postgres from 'postgres';

const sql = postgres(process.env.DATABASE_URL!, {
  max: 10,
  connection: { search_path: process.env.BENCH_PG_SCHEMA! },
  onnotice: () => {},
});

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://local');
  try {
    let nodes: readonly unknown[];
    if (url.pathname === '/filter') {
      nodes =
        await sql`select record_no as "recordNo", id_number as "idNumber", name, gender, birth_date::text as "birthDate", address
        from residents where district = ${url.searchParams.get('district') ?? ''} order by record_no limit 20`;
    } else if (url.pathname === '/key') {
      nodes =
        await sql`select record_no as "recordNo", id_number as "idNumber", name, gender, birth_date::text as "birthDate", address
        from residents where record_no = ${url.searchParams.get('recordNo') ?? ''}`;
    } else {
      res.writeHead(404).end();
      return;
    }
    const body = JSON.stringify({ nodes });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  } catch (err) {
    res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: (err as Error).message }));
  }
});
serveToParent(server);
