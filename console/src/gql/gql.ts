/* eslint-disable */
import * as types from './graphql';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  query ConsoleRequestDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n": typeof types.ConsoleRequestDatasetsDocument,
    "\n  query ConsoleRequestDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        format\n        sensitivity\n        mask\n      }\n    }\n  }\n": typeof types.ConsoleRequestDictionaryDocument,
    "\n  query ConsoleCheckRequestFields($dataset: ID!, $fields: [DeclaredFieldInput!]!, $unmasked: [String!]) {\n    checkAccessRequestFields(dataset: $dataset, fields: $fields, unmaskedFields: $unmasked) {\n      ok\n      problems {\n        field\n        rule\n        severity\n        message\n        suggestions\n      }\n    }\n  }\n": typeof types.ConsoleCheckRequestFieldsDocument,
    "\n  mutation ConsoleFileAccessRequest($key: String!, $input: FileAccessRequestInput!) {\n    fileAccessRequest(idempotencyKey: $key, input: $input) {\n      id\n      status\n      deadline\n      assignee\n    }\n  }\n": typeof types.ConsoleFileAccessRequestDocument,
    "\n  query ConsoleRecordsDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        access\n      }\n    }\n  }\n": typeof types.ConsoleRecordsDatasetsDocument,
    "\n  query ConsoleRecordsDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      access\n      fields {\n        name\n        title\n        type\n        format\n        enumValues\n        sensitivity\n        mask\n        indexed\n      }\n    }\n  }\n": typeof types.ConsoleRecordsDictionaryDocument,
    "\n  query ConsoleRecords($dataset: ID!, $fields: [String!], $where: RecordFilter, $after: String, $first: Int) {\n    records(dataset: $dataset, fields: $fields, where: $where, first: $first, after: $after) {\n      totalCount\n      accessBasis\n      grantId\n      datasetVersion\n      maskedFields {\n        field\n        style\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        key\n        data\n      }\n    }\n  }\n": typeof types.ConsoleRecordsDocument,
    "\n  query ConsoleMyRequests {\n    accessRequests(box: FILED, first: 50) {\n      id\n      datasetId\n      ownerDept\n      purpose\n      status\n      filedAt\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      assignee\n      fields {\n        name\n      }\n      unmaskedFields\n      durationDays\n      rejectReason\n      rejectText\n      decision {\n        fields\n        unmaskedFields\n        durationDays\n        note\n      }\n      grant {\n        id\n        active\n        expiresAt\n      }\n      history {\n        at\n        actor\n        kind\n      }\n    }\n  }\n": typeof types.ConsoleMyRequestsDocument,
    "\n  query ConsoleSandboxDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n": typeof types.ConsoleSandboxDatasetsDocument,
    "\n  query ConsoleSandboxDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        enumValues\n        dimension\n      }\n    }\n  }\n": typeof types.ConsoleSandboxDictionaryDocument,
    "\n  query ConsoleSandboxAggregate($q: SandboxQuery!) {\n    sandboxAggregate(query: $q) {\n      k\n      scope\n      measures\n      groups {\n        key\n        count\n        subjects\n        values\n        margins\n      }\n      privacy {\n        mode\n        epsilon\n        datasetEpsilonLeft\n        departmentEpsilonLeft\n        cached\n      }\n    }\n  }\n": typeof types.ConsoleSandboxAggregateDocument,
    "\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": typeof types.ConsoleCatalogDocument,
    "\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n": typeof types.ConsoleDatasetDocument,
    "\n  query ConsoleSignInMe {\n    me {\n      sub\n      dept\n      roles\n    }\n  }\n": typeof types.ConsoleSignInMeDocument,
    "\n  query ConsoleStewardLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": typeof types.ConsoleStewardListsDocument,
    "\n  query ConsoleStewardList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      departments {\n        dept\n        list\n        score\n        reasons\n      }\n    }\n    qualityAppeals(publicationId: $id) {\n      id\n      dept\n      reason\n      status\n    }\n  }\n": typeof types.ConsoleStewardListDocument,
    "\n  mutation ConsoleStewardAppeal($pub: ID!, $reason: String!) {\n    fileQualityAppeal(publicationId: $pub, reason: $reason) {\n      id\n      status\n    }\n  }\n": typeof types.ConsoleStewardAppealDocument,
    "\n  query ConsoleStewardDatasetQuality($dataset: ID!) {\n    dataset(id: $dataset) {\n      id\n      title\n      recordCount\n    }\n    qualityHistory(dataset: $dataset, limit: 50) {\n      id\n      status\n      score\n      createdAt\n      finishedAt\n      metrics\n    }\n    qualityReport(dataset: $dataset) {\n      score\n      status\n      scoredAt\n      examples\n      ruleSetVersion\n    }\n    qualityAlerts\n  }\n": typeof types.ConsoleStewardDatasetQualityDocument,
    "\n  mutation ConsoleStewardRescore($dataset: ID!) {\n    runQuality(dataset: $dataset) {\n      id\n      status\n    }\n  }\n": typeof types.ConsoleStewardRescoreDocument,
    "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n": typeof types.ConsoleStewardInboxDocument,
    "\n  query ConsoleStewardDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      totalCount\n      nodes {\n        id\n        title\n        tier\n        recordCount\n      }\n    }\n    qualityAlerts\n  }\n": typeof types.ConsoleStewardDatasetsDocument,
    "\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n": typeof types.ConsoleAccessRequestFragmentDoc,
    "\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleAccessRequestDocument,
    "\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleApproveAccessRequestDocument,
    "\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleRejectAccessRequestDocument,
    "\n  query ConsoleStewardRules($dataset: ID!) {\n    qualityRules(dataset: $dataset)\n  }\n": typeof types.ConsoleStewardRulesDocument,
    "\n  mutation ConsoleStewardSetRules($dataset: ID!, $rules: JSON!) {\n    setQualityRules(dataset: $dataset, rules: $rules)\n  }\n": typeof types.ConsoleStewardSetRulesDocument,
    "\n  query ConsoleStewardUploadDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      nodes {\n        id\n        title\n        recordCount\n      }\n    }\n  }\n": typeof types.ConsoleStewardUploadDatasetsDocument,
};
const documents: Documents = {
    "\n  query ConsoleRequestDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n": types.ConsoleRequestDatasetsDocument,
    "\n  query ConsoleRequestDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        format\n        sensitivity\n        mask\n      }\n    }\n  }\n": types.ConsoleRequestDictionaryDocument,
    "\n  query ConsoleCheckRequestFields($dataset: ID!, $fields: [DeclaredFieldInput!]!, $unmasked: [String!]) {\n    checkAccessRequestFields(dataset: $dataset, fields: $fields, unmaskedFields: $unmasked) {\n      ok\n      problems {\n        field\n        rule\n        severity\n        message\n        suggestions\n      }\n    }\n  }\n": types.ConsoleCheckRequestFieldsDocument,
    "\n  mutation ConsoleFileAccessRequest($key: String!, $input: FileAccessRequestInput!) {\n    fileAccessRequest(idempotencyKey: $key, input: $input) {\n      id\n      status\n      deadline\n      assignee\n    }\n  }\n": types.ConsoleFileAccessRequestDocument,
    "\n  query ConsoleRecordsDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        access\n      }\n    }\n  }\n": types.ConsoleRecordsDatasetsDocument,
    "\n  query ConsoleRecordsDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      access\n      fields {\n        name\n        title\n        type\n        format\n        enumValues\n        sensitivity\n        mask\n        indexed\n      }\n    }\n  }\n": types.ConsoleRecordsDictionaryDocument,
    "\n  query ConsoleRecords($dataset: ID!, $fields: [String!], $where: RecordFilter, $after: String, $first: Int) {\n    records(dataset: $dataset, fields: $fields, where: $where, first: $first, after: $after) {\n      totalCount\n      accessBasis\n      grantId\n      datasetVersion\n      maskedFields {\n        field\n        style\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        key\n        data\n      }\n    }\n  }\n": types.ConsoleRecordsDocument,
    "\n  query ConsoleMyRequests {\n    accessRequests(box: FILED, first: 50) {\n      id\n      datasetId\n      ownerDept\n      purpose\n      status\n      filedAt\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      assignee\n      fields {\n        name\n      }\n      unmaskedFields\n      durationDays\n      rejectReason\n      rejectText\n      decision {\n        fields\n        unmaskedFields\n        durationDays\n        note\n      }\n      grant {\n        id\n        active\n        expiresAt\n      }\n      history {\n        at\n        actor\n        kind\n      }\n    }\n  }\n": types.ConsoleMyRequestsDocument,
    "\n  query ConsoleSandboxDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n": types.ConsoleSandboxDatasetsDocument,
    "\n  query ConsoleSandboxDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        enumValues\n        dimension\n      }\n    }\n  }\n": types.ConsoleSandboxDictionaryDocument,
    "\n  query ConsoleSandboxAggregate($q: SandboxQuery!) {\n    sandboxAggregate(query: $q) {\n      k\n      scope\n      measures\n      groups {\n        key\n        count\n        subjects\n        values\n        margins\n      }\n      privacy {\n        mode\n        epsilon\n        datasetEpsilonLeft\n        departmentEpsilonLeft\n        cached\n      }\n    }\n  }\n": types.ConsoleSandboxAggregateDocument,
    "\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": types.ConsoleCatalogDocument,
    "\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n": types.ConsoleDatasetDocument,
    "\n  query ConsoleSignInMe {\n    me {\n      sub\n      dept\n      roles\n    }\n  }\n": types.ConsoleSignInMeDocument,
    "\n  query ConsoleStewardLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": types.ConsoleStewardListsDocument,
    "\n  query ConsoleStewardList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      departments {\n        dept\n        list\n        score\n        reasons\n      }\n    }\n    qualityAppeals(publicationId: $id) {\n      id\n      dept\n      reason\n      status\n    }\n  }\n": types.ConsoleStewardListDocument,
    "\n  mutation ConsoleStewardAppeal($pub: ID!, $reason: String!) {\n    fileQualityAppeal(publicationId: $pub, reason: $reason) {\n      id\n      status\n    }\n  }\n": types.ConsoleStewardAppealDocument,
    "\n  query ConsoleStewardDatasetQuality($dataset: ID!) {\n    dataset(id: $dataset) {\n      id\n      title\n      recordCount\n    }\n    qualityHistory(dataset: $dataset, limit: 50) {\n      id\n      status\n      score\n      createdAt\n      finishedAt\n      metrics\n    }\n    qualityReport(dataset: $dataset) {\n      score\n      status\n      scoredAt\n      examples\n      ruleSetVersion\n    }\n    qualityAlerts\n  }\n": types.ConsoleStewardDatasetQualityDocument,
    "\n  mutation ConsoleStewardRescore($dataset: ID!) {\n    runQuality(dataset: $dataset) {\n      id\n      status\n    }\n  }\n": types.ConsoleStewardRescoreDocument,
    "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n": types.ConsoleStewardInboxDocument,
    "\n  query ConsoleStewardDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      totalCount\n      nodes {\n        id\n        title\n        tier\n        recordCount\n      }\n    }\n    qualityAlerts\n  }\n": types.ConsoleStewardDatasetsDocument,
    "\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n": types.ConsoleAccessRequestFragmentDoc,
    "\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleAccessRequestDocument,
    "\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleApproveAccessRequestDocument,
    "\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleRejectAccessRequestDocument,
    "\n  query ConsoleStewardRules($dataset: ID!) {\n    qualityRules(dataset: $dataset)\n  }\n": types.ConsoleStewardRulesDocument,
    "\n  mutation ConsoleStewardSetRules($dataset: ID!, $rules: JSON!) {\n    setQualityRules(dataset: $dataset, rules: $rules)\n  }\n": types.ConsoleStewardSetRulesDocument,
    "\n  query ConsoleStewardUploadDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      nodes {\n        id\n        title\n        recordCount\n      }\n    }\n  }\n": types.ConsoleStewardUploadDatasetsDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRequestDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRequestDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRequestDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        format\n        sensitivity\n        mask\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRequestDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        format\n        sensitivity\n        mask\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCheckRequestFields($dataset: ID!, $fields: [DeclaredFieldInput!]!, $unmasked: [String!]) {\n    checkAccessRequestFields(dataset: $dataset, fields: $fields, unmaskedFields: $unmasked) {\n      ok\n      problems {\n        field\n        rule\n        severity\n        message\n        suggestions\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCheckRequestFields($dataset: ID!, $fields: [DeclaredFieldInput!]!, $unmasked: [String!]) {\n    checkAccessRequestFields(dataset: $dataset, fields: $fields, unmaskedFields: $unmasked) {\n      ok\n      problems {\n        field\n        rule\n        severity\n        message\n        suggestions\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleFileAccessRequest($key: String!, $input: FileAccessRequestInput!) {\n    fileAccessRequest(idempotencyKey: $key, input: $input) {\n      id\n      status\n      deadline\n      assignee\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleFileAccessRequest($key: String!, $input: FileAccessRequestInput!) {\n    fileAccessRequest(idempotencyKey: $key, input: $input) {\n      id\n      status\n      deadline\n      assignee\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRecordsDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        access\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRecordsDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        access\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRecordsDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      access\n      fields {\n        name\n        title\n        type\n        format\n        enumValues\n        sensitivity\n        mask\n        indexed\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRecordsDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      access\n      fields {\n        name\n        title\n        type\n        format\n        enumValues\n        sensitivity\n        mask\n        indexed\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRecords($dataset: ID!, $fields: [String!], $where: RecordFilter, $after: String, $first: Int) {\n    records(dataset: $dataset, fields: $fields, where: $where, first: $first, after: $after) {\n      totalCount\n      accessBasis\n      grantId\n      datasetVersion\n      maskedFields {\n        field\n        style\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        key\n        data\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRecords($dataset: ID!, $fields: [String!], $where: RecordFilter, $after: String, $first: Int) {\n    records(dataset: $dataset, fields: $fields, where: $where, first: $first, after: $after) {\n      totalCount\n      accessBasis\n      grantId\n      datasetVersion\n      maskedFields {\n        field\n        style\n      }\n      pageInfo {\n        endCursor\n        hasNextPage\n      }\n      nodes {\n        key\n        data\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleMyRequests {\n    accessRequests(box: FILED, first: 50) {\n      id\n      datasetId\n      ownerDept\n      purpose\n      status\n      filedAt\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      assignee\n      fields {\n        name\n      }\n      unmaskedFields\n      durationDays\n      rejectReason\n      rejectText\n      decision {\n        fields\n        unmaskedFields\n        durationDays\n        note\n      }\n      grant {\n        id\n        active\n        expiresAt\n      }\n      history {\n        at\n        actor\n        kind\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleMyRequests {\n    accessRequests(box: FILED, first: 50) {\n      id\n      datasetId\n      ownerDept\n      purpose\n      status\n      filedAt\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      assignee\n      fields {\n        name\n      }\n      unmaskedFields\n      durationDays\n      rejectReason\n      rejectText\n      decision {\n        fields\n        unmaskedFields\n        durationDays\n        note\n      }\n      grant {\n        id\n        active\n        expiresAt\n      }\n      history {\n        at\n        actor\n        kind\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSandboxDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSandboxDatasets {\n    datasets(first: 100) {\n      nodes {\n        id\n        title\n        ownerDept\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSandboxDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        enumValues\n        dimension\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSandboxDictionary($id: ID!) {\n    dataset(id: $id) {\n      id\n      fields {\n        name\n        title\n        type\n        enumValues\n        dimension\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSandboxAggregate($q: SandboxQuery!) {\n    sandboxAggregate(query: $q) {\n      k\n      scope\n      measures\n      groups {\n        key\n        count\n        subjects\n        values\n        margins\n      }\n      privacy {\n        mode\n        epsilon\n        datasetEpsilonLeft\n        departmentEpsilonLeft\n        cached\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSandboxAggregate($q: SandboxQuery!) {\n    sandboxAggregate(query: $q) {\n      k\n      scope\n      measures\n      groups {\n        key\n        count\n        subjects\n        values\n        margins\n      }\n      privacy {\n        mode\n        epsilon\n        datasetEpsilonLeft\n        departmentEpsilonLeft\n        cached\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleSignInMe {\n    me {\n      sub\n      dept\n      roles\n    }\n  }\n"): (typeof documents)["\n  query ConsoleSignInMe {\n    me {\n      sub\n      dept\n      roles\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStewardLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      departments {\n        dept\n        list\n        score\n        reasons\n      }\n    }\n    qualityAppeals(publicationId: $id) {\n      id\n      dept\n      reason\n      status\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStewardList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      departments {\n        dept\n        list\n        score\n        reasons\n      }\n    }\n    qualityAppeals(publicationId: $id) {\n      id\n      dept\n      reason\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleStewardAppeal($pub: ID!, $reason: String!) {\n    fileQualityAppeal(publicationId: $pub, reason: $reason) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleStewardAppeal($pub: ID!, $reason: String!) {\n    fileQualityAppeal(publicationId: $pub, reason: $reason) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardDatasetQuality($dataset: ID!) {\n    dataset(id: $dataset) {\n      id\n      title\n      recordCount\n    }\n    qualityHistory(dataset: $dataset, limit: 50) {\n      id\n      status\n      score\n      createdAt\n      finishedAt\n      metrics\n    }\n    qualityReport(dataset: $dataset) {\n      score\n      status\n      scoredAt\n      examples\n      ruleSetVersion\n    }\n    qualityAlerts\n  }\n"): (typeof documents)["\n  query ConsoleStewardDatasetQuality($dataset: ID!) {\n    dataset(id: $dataset) {\n      id\n      title\n      recordCount\n    }\n    qualityHistory(dataset: $dataset, limit: 50) {\n      id\n      status\n      score\n      createdAt\n      finishedAt\n      metrics\n    }\n    qualityReport(dataset: $dataset) {\n      score\n      status\n      scoredAt\n      examples\n      ruleSetVersion\n    }\n    qualityAlerts\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleStewardRescore($dataset: ID!) {\n    runQuality(dataset: $dataset) {\n      id\n      status\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleStewardRescore($dataset: ID!) {\n    runQuality(dataset: $dataset) {\n      id\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      totalCount\n      nodes {\n        id\n        title\n        tier\n        recordCount\n      }\n    }\n    qualityAlerts\n  }\n"): (typeof documents)["\n  query ConsoleStewardDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      totalCount\n      nodes {\n        id\n        title\n        tier\n        recordCount\n      }\n    }\n    qualityAlerts\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n"): (typeof documents)["\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n"): (typeof documents)["\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardRules($dataset: ID!) {\n    qualityRules(dataset: $dataset)\n  }\n"): (typeof documents)["\n  query ConsoleStewardRules($dataset: ID!) {\n    qualityRules(dataset: $dataset)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleStewardSetRules($dataset: ID!, $rules: JSON!) {\n    setQualityRules(dataset: $dataset, rules: $rules)\n  }\n"): (typeof documents)["\n  mutation ConsoleStewardSetRules($dataset: ID!, $rules: JSON!) {\n    setQualityRules(dataset: $dataset, rules: $rules)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardUploadDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      nodes {\n        id\n        title\n        recordCount\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStewardUploadDatasets($dept: String!) {\n    datasets(filter: { ownerDept: $dept }, first: 100) {\n      nodes {\n        id\n        title\n        recordCount\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;