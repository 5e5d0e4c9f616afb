import { lexicographicSortSchema, printSchema, type GraphQLSchema } from 'graphql';
import { builder } from '../builder.ts';
import './department.ts';
import './me.ts';
import './dataset.ts';
import './record.ts';
import './grant.ts';
import './audit.ts';
import './quality.ts';
import './access-requests.ts';
import './sandbox.ts';

export interface SchemaLimits {
  depth: number;
  complexity: number;
  breadth: number;
}

export function buildSchema(limits: SchemaLimits = { depth: 8, complexity: 3000, breadth: 200 }): GraphQLSchema {
  return builder.toSchema({ complexity: { limit: limits } });
}

/** The printed contract: contracts/schema.graphql is this text. */
export function printGatewaySchema(): string {
  return printSchema(lexicographicSortSchema(buildSchema())) + '\n';
}
