import { Type } from '@sinclair/typebox';
import { contractFile, literals, refTo, self } from './build.ts';

export const AUDIT_OUTCOMES = ['allowed', 'denied', 'error'] as const;

export const AuditActor = Type.Object(
  {
    sub: Type.String(),
    dept: Type.String(),
    roles: Type.Array(Type.String()),
    jti: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** The properties an event keeps when stored (audit-api.v1.json's StoredEvent refers to them). */
export const auditEventProperties = {
  id: Type.String({ format: 'uuid' }),
  at: Type.String({ format: 'date-time' }),
  requestId: Type.String({ minLength: 1, maxLength: 200 }),
  actor: AuditActor,
  action: Type.String({
    pattern: '^[a-z]+(\\.[a-zA-Z]+)+$',
    description: 'e.g. records.read, datasets.list, records.ingest, grants.create, audit.search',
  }),
  dataset: Type.Optional(Type.String()),
  datasetVersion: Type.Optional(Type.Integer()),
  fields: Type.Optional(Type.Array(Type.String())),
  maskedFields: Type.Optional(Type.Array(Type.String())),
  filter: Type.Optional(Type.Unknown()),
  recordCount: Type.Optional(Type.Integer({ minimum: 0 })),
  grantId: Type.Optional(Type.String()),
  purpose: Type.Optional(Type.String()),
  accessRequestId: Type.Optional(
    Type.String({
      format: 'uuid',
      description:
        'The access request an event concerns (filing, decisions, the grant it created or ended, reads of it), so auditors can trace one request end to end',
    }),
  ),
  grantExpiresAt: Type.Optional(
    Type.String({
      format: 'date-time',
      description:
        "On the events that record a grant's creation (grants.created, access.granted): when it expires, so the audit service can flag uses after expiry",
    }),
  ),
  subjectKeys: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Keyed HMAC-SHA256 (hex) of each subject identifier, computed by the audit service; never clear values',
    }),
  ),
  outcome: literals(AUDIT_OUTCOMES),
  reason: Type.Optional(Type.String()),
  errorCode: Type.Optional(Type.String()),
  client: Type.Optional(Type.String()),
  withholds: Type.Optional(
    Type.String({
      format: 'uuid',
      description:
        'On a <area>.withheld event: the id of the earlier allowed event whose data was not delivered (its acknowledgement came too late, or the client was gone)',
    }),
  ),
};

export const AuditEvent = Type.Object(
  {
    ...auditEventProperties,
    subjects: Type.Optional(
      Type.Array(Type.String({ maxLength: 100 }), {
        maxItems: 500,
        description:
          'Transport only: clear subject identifiers (resident ID, credit code, dataset key) of the records returned. The audit service replaces them with keyed HMACs in subjectKeys before storing; clear values are never stored.',
      }),
    ),
  },
  { additionalProperties: false },
);

export const AuditAppendRequest = Type.Object(
  { events: Type.Array(self(AuditEvent), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

export const AuditAppendResponse = Type.Object({
  accepted: Type.Array(Type.Object({ id: Type.String(), seq: Type.Integer({ minimum: 0 }) })),
  rejected: Type.Optional(
    Type.Array(Type.Object({ id: Type.String(), code: Type.String(), message: Type.String() }), {
      description: 'Events of this call that were not stored (the others were): each with the reason',
    }),
  ),
});

export const auditEvent = contractFile('audit-event.v1.json', {
  title: 'Audit event: one access or change, allowed or denied',
  description:
    'Sent by the gateway to the audit service before any data is returned. Stored append-only; v1 is designed to become a Merkle-tree leaf (canonical JSON).',
  root: AuditEvent,
  $defs: { AppendRequest: AuditAppendRequest, AppendResponse: AuditAppendResponse },
});

/** `$ref` to one property of the event, from the stored event's schema. */
export const eventProperty = <K extends keyof typeof auditEventProperties>(key: K) =>
  refTo(auditEventProperties[key], `${auditEvent.name}#/properties/${key}`);
