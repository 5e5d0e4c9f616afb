import { Kind, type FieldNode } from 'graphql';
import { AppError } from '@govshare/platform';
import { builder, MaskStyleEnum, PageInfoRef } from '../builder.ts';
import { readRecords, type RecordsResult } from '../../operations/records.ts';
import { assertMode, ingestRecords } from '../../operations/ingest.ts';
import type { MaskedField } from '@govshare/platform/policy';
import { RecordFilterInput, toContractFilter } from './record-filter.ts';

type RecordView = RecordsResult['records'][number];

/** Whether the selection asks for a field; fragments count as asking, to stay on the safe side. */
function selects(nodes: readonly FieldNode[], name: string): boolean {
  return nodes.some((n) => n.selectionSet?.selections.some((s) => s.kind !== Kind.FIELD || s.name.value === name));
}

const RecordRef = builder.objectRef<RecordView>('Record').implement({
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The record key; a keyed hash when a key field is masked for you' }),
    version: t.exposeInt('version', { description: 'Dataset schema version the record was ingested under' }),
    ingestedAt: t.field({ type: 'DateTime', resolve: (r) => r.ingestedAt }),
    data: t.field({
      type: 'JSON',
      description: 'The selected fields, masked as maskedFields says',
      resolve: (r) => r.data,
    }),
  }),
});

const MaskedFieldRef = builder.objectRef<MaskedField>('MaskedField').implement({
  fields: (t) => ({ field: t.exposeString('field'), style: t.field({ type: MaskStyleEnum, resolve: (m) => m.style }) }),
});

const RecordConnectionRef = builder.objectRef<RecordsResult>('RecordConnection').implement({
  fields: (t) => ({
    nodes: t.field({ type: [RecordRef], resolve: (p) => p.records }),
    totalCount: t.int({ nullable: true, resolve: (p) => p.totalCount }),
    pageInfo: t.field({ type: PageInfoRef, resolve: (p) => ({ endCursor: p.endCursor, hasNextPage: p.hasNextPage }) }),
    maskedFields: t.field({ type: [MaskedFieldRef], resolve: (p) => p.maskedFields }),
    datasetVersion: t.exposeInt('datasetVersion'),
    accessBasis: t.exposeString('basis', { description: 'owner, public, internal or grant' }),
    grantId: t.exposeString('grantId', { nullable: true }),
  }),
});

builder.queryField('records', (t) =>
  t.field({
    type: RecordConnectionRef,
    description: 'Records of one dataset, as the tier and your grants allow; audited before it is answered',
    args: {
      dataset: t.arg.id({ required: true }),
      fields: t.arg.stringList({ required: false, description: 'Fields to return; all you may read by default' }),
      where: t.arg({ type: RecordFilterInput, required: false }),
      first: t.arg.int({ required: false, defaultValue: 20, description: 'Page size, at most 100' }),
      after: t.arg.string({ required: false }),
    },
    complexity: (args) => ({ field: 5, multiplier: Math.min(Math.max(args.first ?? 20, 1), 100) }),
    resolve: (_r, args, ctx, info) =>
      readRecords(ctx.deps, ctx.scope, {
        datasetId: String(args.dataset),
        withTotal: selects(info.fieldNodes, 'totalCount'),
        fields: args.fields ?? undefined,
        where: args.where ? toContractFilter(args.where) : undefined,
        first: args.first ?? 20,
        after: args.after ?? undefined,
      }),
  }),
);

const IngestModeEnum = builder.enumType('IngestMode', {
  values: { APPEND: { value: 'append' }, REPLACE: { value: 'replace' } } as const,
});

const IngestResultRef = builder
  .objectRef<{ datasetId: string; mode: string; accepted: number; recordCount: number }>('IngestResult')
  .implement({
    fields: (t) => ({
      datasetId: t.exposeString('datasetId'),
      mode: t.exposeString('mode'),
      accepted: t.exposeInt('accepted'),
      recordCount: t.exposeInt('recordCount'),
    }),
  });

builder.mutationField('ingestRecords', (t) =>
  t.field({
    type: IngestResultRef,
    description: 'Small batches (≤ 1000 rows); use the HTTP upload or the ingest CLI for files. All or nothing.',
    authScopes: { steward: true, admin: true },
    args: {
      dataset: t.arg.id({ required: true }),
      mode: t.arg({ type: IngestModeEnum, required: false, defaultValue: 'append' }),
      records: t.arg({ type: ['JSON'], required: true }),
      confirmEmpty: t.arg.boolean({
        required: false,
        defaultValue: false,
        description: 'REPLACE with no records empties the dataset only when true',
      }),
    },
    resolve: (_r, args, ctx) => {
      if (args.records.length > 1000)
        throw new AppError('BAD_USER_INPUT', 'records: at most 1000 rows per mutation; upload files over HTTP');
      const rows = args.records.map((r, i) => {
        if (!r || typeof r !== 'object' || Array.isArray(r))
          throw new AppError('BAD_USER_INPUT', `records[${i}]: must be an object`);
        return r as Record<string, unknown>;
      });
      return ingestRecords(ctx.deps, ctx.scope, String(args.dataset), assertMode(args.mode), {
        kind: 'json',
        records: rows,
        confirmEmpty: args.confirmEmpty === true,
      });
    },
  }),
);
