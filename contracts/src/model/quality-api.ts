import { Type, type TSchema } from '@sinclair/typebox';
import { contractFile, literals, local, requiredInOrder } from './build.ts';
import { common } from './common.ts';

export const QUALITY_RULE_KINDS = [
  'cn-resident-id',
  'cn-uscc',
  'cn-mobile',
  'date',
  'enum',
  'range',
  'regex',
  'cross-field',
  'reference',
] as const;
export const QUALITY_LIST_NAMES = ['red', 'black', 'none'] as const;

const closed = { additionalProperties: false } as const;
const strict = <T extends Record<string, TSchema>>(properties: T) => Type.Object(properties, closed);
const { Optional } = Type;

export const QualityUuid = Type.String({ pattern: '^[0-9a-fA-F-]{36}$' });
export const QualityPeriod = Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$' });
export const QualityActor = Type.String({ minLength: 1, maxLength: 200 });
export const QualityListName = literals(QUALITY_LIST_NAMES);
const period = () => local(QualityPeriod, 'Period');
const actor = () => local(QualityActor, 'Actor');
const uuid = () => local(QualityUuid, 'Uuid');
const fieldName = () => common.ref('FieldName');
/** A share between 0 and 1, or a score between 0 and 100. */
const share = () => Type.Number({ minimum: 0, maximum: 1 });
const score = () => Type.Number({ minimum: 0, maximum: 100 });

export const QualityRunCreate = strict({
  datasetId: common.ref('DatasetId'),
  reason: Optional(Type.String({ maxLength: 500 })),
  requestedBy: Optional(actor()),
});
export const QualityIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
export const QualityHistoryQuery = strict({
  limit: Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50 })),
});
export const QualityRulesQuery = strict({ version: Optional(Type.Integer({ minimum: 0 })) });
export const QualityAlertsQuery = strict({
  status: Optional(literals(['open', 'all'], { default: 'open' })),
  datasetId: Optional(common.ref('DatasetId')),
  dept: Optional(common.ref('DeptCode')),
});
export const QualityPeriodQuery = strict({ period: period() });
export const QualityPublicationsQuery = strict({ period: Optional(period()) });
export const QualityAppealsQuery = strict({ publicationId: Optional(uuid()) });

export const QualityRule = strict({
  id: Optional(Type.String({ minLength: 1, maxLength: 200 })),
  kind: literals(QUALITY_RULE_KINDS),
  field: fieldName(),
  values: Optional(Type.Array(common.ref('Scalar'), { maxItems: 1000 })),
  minimum: Optional(Type.Number()),
  maximum: Optional(Type.Number()),
  pattern: Optional(Type.String({ maxLength: 1000 })),
  birthDateField: Optional(fieldName()),
  genderField: Optional(fieldName()),
  dataset: Optional(common.ref('DatasetId')),
  targetField: Optional(fieldName()),
  disabled: Optional(Type.Boolean()),
});

/** One value per quality dimension, each optional. */
const perDimension = <T extends TSchema>(make: () => T) => ({
  completeness: Optional(make()),
  uniqueness: Optional(make()),
  accuracy: Optional(make()),
  consistency: Optional(make()),
  timeliness: Optional(make()),
});

export const QualityRuleSet = strict({
  rules: Optional(Type.Array(local(QualityRule, 'Rule'), { maxItems: 500 })),
  expectedFields: Optional(Type.Array(fieldName(), { maxItems: 500 })),
  weights: Optional(strict(perDimension(() => Type.Number({ minimum: 0 })))),
  targets: Optional(strict({ score: Optional(score()), ...perDimension(share) })),
  nearDuplicates: Optional(
    strict({
      enabled: Optional(Type.Boolean()),
      fields: Optional(Type.Array(fieldName(), { maxItems: 20 })),
      threshold: Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1 })),
      maxBlocks: Optional(Type.Integer({ minimum: 1, maximum: 2000000 })),
      maxRepsPerBlock: Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
    }),
  ),
  consistency: Optional(
    Type.Array(
      strict({
        field: fieldName(),
        dataset: common.ref('DatasetId'),
        targetField: Optional(fieldName()),
        matchField: fieldName(),
        targetMatchField: Optional(fieldName()),
      }),
      { maxItems: 20 },
    ),
  ),
  timeliness: Optional(
    strict({
      field: Optional(Type.String({ maxLength: 63 })),
      maxAgeDays: Type.Number({ exclusiveMinimum: 0 }),
    }),
  ),
  updatedBy: Optional(actor()),
});

export const QualityPolicy = strict({
  redMinScore: Optional(score()),
  redMinDatasetScore: Optional(score()),
  blackBelowScore: Optional(score()),
  blackMinAccuracy: Optional(share()),
  maxAlertAgeDays: Optional(Type.Number({ minimum: 0 })),
  remediationPeriods: Optional(Type.Integer({ minimum: 1, maximum: 24 })),
  updatedBy: Optional(actor()),
});

export const QualityPublicationCreate = strict({ period: period() });

const reason = () => Type.String({ minLength: 1, maxLength: 4000 });
export const QualityAppealCreate = strict({
  publicationId: uuid(),
  dept: common.ref('DeptCode'),
  reason: reason(),
  filedBy: actor(),
});

export const QualityAppealDecision = requiredInOrder(
  strict({
    accept: Type.Boolean(),
    deciderDept: common.ref('DeptCode', {
      description: "Department of the admin deciding: must differ from the appellant's (separation of duties)",
    }),
    reason: reason(),
    decidedBy: actor(),
    list: Optional(local(QualityListName, 'ListName')),
  }),
  ['accept', 'reason', 'decidedBy', 'deciderDept'],
);

export const qualityApi = contractFile('quality-api.v1.json', {
  title: 'Quality service: request bodies and queries',
  $defs: {
    Uuid: QualityUuid,
    Period: QualityPeriod,
    Actor: QualityActor,
    ListName: QualityListName,
    RunCreate: QualityRunCreate,
    IdParams: QualityIdParams,
    HistoryQuery: QualityHistoryQuery,
    RulesQuery: QualityRulesQuery,
    AlertsQuery: QualityAlertsQuery,
    PeriodQuery: QualityPeriodQuery,
    PublicationsQuery: QualityPublicationsQuery,
    AppealsQuery: QualityAppealsQuery,
    Rule: QualityRule,
    RuleSet: QualityRuleSet,
    Policy: QualityPolicy,
    PublicationCreate: QualityPublicationCreate,
    AppealCreate: QualityAppealCreate,
    AppealDecision: QualityAppealDecision,
  },
});
