// An anchor of bench/gateway.bench.ts: the hub's own GraphQL stack with nothing of the hub in it.
// graphql-yoga + Pothos (the versions the gateway uses) behind node:http, answering the benchmark's
// two queries on the typed table with postgres.js: no token, policy, masking or audit. What it
// reaches is the ceiling of any server built on this stack; govshare / this is what the hub's
// checks cost on top of it.
//   residents(district: String!, first: Int): [Resident!]!   20 rows by the indexed district column
//   resident(recordNo: String!): Resident                    1 row by primary key
// Env: DATABASE_URL, BENCH_PG_SCHEMA. Sends { port } over IPC once listening; exits when the parent goes.
import { createServer } from 'node:http';
import { serveToParent } from './child-server.ts';
import SchemaBuilder from '@pothos/core';
import { createYoga } from 'graphql-yoga';
import postgres from 'postgres';

interface Resident {
  recordNo: string;
  idNumber: string;
  name: string;
  gender: string;
  birthDate: string;
  address: string;
}

const sql = postgres(process.env.DATABASE_URL!, {
  max: 10,
  connection: { search_path: process.env.BENCH_PG_SCHEMA! },
  onnotice: () => {},
});
const columns = sql`record_no as "recordNo", id_number as "idNumber", name, gender, birth_date::text as "birthDate", address`;

// The gateway's Pothos plugins widen the builder's option type for the whole tsc program; this one uses none.
const builder = new SchemaBuilder<{ Objects: { Resident: Resident } }>({} as never);
builder.objectType('Resident', {
  fields: (t) => ({
    recordNo: t.exposeString('recordNo'),
    idNumber: t.exposeString('idNumber'),
    name: t.exposeString('name'),
    gender: t.exposeString('gender'),
    birthDate: t.exposeString('birthDate'),
    address: t.exposeString('address'),
  }),
});
builder.queryType({
  fields: (t) => ({
    residents: t.field({
      type: ['Resident'],
      args: { district: t.arg.string({ required: true }), first: t.arg.int({ defaultValue: 20 }) },
      resolve: (_root, { district, first }) =>
        sql<
          Resident[]
        >`select ${columns} from residents where district = ${district} order by record_no limit ${first ?? 20}`,
    }),
    resident: t.field({
      type: 'Resident',
      nullable: true,
      args: { recordNo: t.arg.string({ required: true }) },
      resolve: async (_root, { recordNo }) =>
        (await sql<Resident[]>`select ${columns} from residents where record_no = ${recordNo}`)[0] ?? null,
    }),
  }),
});

const yoga = createYoga({ schema: builder.toSchema(), graphiql: false, landingPage: false, logging: false });
const server = createServer(yoga);
serveToParent(server);
