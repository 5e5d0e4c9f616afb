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
    "\n  query ConsoleGovernanceDepartments {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n": typeof types.ConsoleGovernanceDepartmentsDocument,
    "\n  query ConsoleGovernanceFigures($dept: String!, $from: DateTime!, $to: DateTime!) {\n    governanceFigures(dept: $dept, from: $from, to: $to) {\n      dept\n      from\n      to\n      received\n      decided\n      approved\n      rejected\n      refusalRate\n      narrowedRate\n      refusalReasons {\n        reason\n        count\n        share\n      }\n      decisionDaysMedian\n      decisionDaysP90\n      decidedLate\n      overdueNow\n      pendingNow\n      activeGrants\n      targets {\n        refusalRate\n        decisionDaysP90\n        overdue\n      }\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n": typeof types.ConsoleGovernanceFiguresDocument,
    "\n  query ConsoleGovernanceScores($period: String!) {\n    departmentScores(period: $period) {\n      dept\n      accuracy\n      accuracyTarget\n      records\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n": typeof types.ConsoleGovernanceScoresDocument,
    "\n  query ConsoleGrants {\n    grants(activeOnly: false) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n": typeof types.ConsoleGrantsDocument,
    "\n  query ConsoleGrantDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 50) {\n      nodes {\n        id\n        title\n        ownerDept\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": typeof types.ConsoleGrantDatasetsDocument,
    "\n  mutation ConsoleCreateGrant($input: CreateGrantInput!) {\n    createGrant(input: $input) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n  }\n": typeof types.ConsoleCreateGrantDocument,
    "\n  mutation ConsoleRevokeGrant($id: ID!, $reason: String!) {\n    revokeGrant(id: $id, reason: $reason) {\n      id\n      revokedAt\n      active\n    }\n  }\n": typeof types.ConsoleRevokeGrantDocument,
    "\n  mutation ConsoleRevokeToken($jti: String!, $reason: String!) {\n    revokeToken(jti: $jti, reason: $reason)\n  }\n": typeof types.ConsoleRevokeTokenDocument,
    "\n  query ConsolePublishedLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": typeof types.ConsolePublishedListsDocument,
    "\n  mutation ConsolePublishRedBlackList($period: String!) {\n    publishRedBlackList(period: $period) {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": typeof types.ConsolePublishRedBlackListDocument,
    "\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": typeof types.ConsoleCatalogDocument,
    "\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n": typeof types.ConsoleDatasetDocument,
    "\n  query ConsoleRedBlackLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n    }\n    redBlackListPublicKey\n  }\n": typeof types.ConsoleRedBlackListsDocument,
    "\n  query ConsoleRedBlackList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n      jws\n      body\n      departments {\n        dept\n        list\n        score\n        reasons\n        figures\n      }\n    }\n  }\n": typeof types.ConsoleRedBlackListDocument,
    "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n": typeof types.ConsoleStewardInboxDocument,
    "\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n": typeof types.ConsoleAccessRequestFragmentDoc,
    "\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleAccessRequestDocument,
    "\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleApproveAccessRequestDocument,
    "\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": typeof types.ConsoleRejectAccessRequestDocument,
};
const documents: Documents = {
    "\n  query ConsoleGovernanceDepartments {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n": types.ConsoleGovernanceDepartmentsDocument,
    "\n  query ConsoleGovernanceFigures($dept: String!, $from: DateTime!, $to: DateTime!) {\n    governanceFigures(dept: $dept, from: $from, to: $to) {\n      dept\n      from\n      to\n      received\n      decided\n      approved\n      rejected\n      refusalRate\n      narrowedRate\n      refusalReasons {\n        reason\n        count\n        share\n      }\n      decisionDaysMedian\n      decisionDaysP90\n      decidedLate\n      overdueNow\n      pendingNow\n      activeGrants\n      targets {\n        refusalRate\n        decisionDaysP90\n        overdue\n      }\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n": types.ConsoleGovernanceFiguresDocument,
    "\n  query ConsoleGovernanceScores($period: String!) {\n    departmentScores(period: $period) {\n      dept\n      accuracy\n      accuracyTarget\n      records\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n": types.ConsoleGovernanceScoresDocument,
    "\n  query ConsoleGrants {\n    grants(activeOnly: false) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n": types.ConsoleGrantsDocument,
    "\n  query ConsoleGrantDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 50) {\n      nodes {\n        id\n        title\n        ownerDept\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": types.ConsoleGrantDatasetsDocument,
    "\n  mutation ConsoleCreateGrant($input: CreateGrantInput!) {\n    createGrant(input: $input) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n  }\n": types.ConsoleCreateGrantDocument,
    "\n  mutation ConsoleRevokeGrant($id: ID!, $reason: String!) {\n    revokeGrant(id: $id, reason: $reason) {\n      id\n      revokedAt\n      active\n    }\n  }\n": types.ConsoleRevokeGrantDocument,
    "\n  mutation ConsoleRevokeToken($jti: String!, $reason: String!) {\n    revokeToken(jti: $jti, reason: $reason)\n  }\n": types.ConsoleRevokeTokenDocument,
    "\n  query ConsolePublishedLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": types.ConsolePublishedListsDocument,
    "\n  mutation ConsolePublishRedBlackList($period: String!) {\n    publishRedBlackList(period: $period) {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n": types.ConsolePublishRedBlackListDocument,
    "\n  query ConsoleCatalog($filter: DatasetFilter, $after: String) {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n    datasets(filter: $filter, first: 50, after: $after) {\n      totalCount\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      nodes {\n        id\n        title\n        tier\n        ownerDept\n        access\n        recordCount\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n": types.ConsoleCatalogDocument,
    "\n  query ConsoleDataset($id: ID!) {\n    dataset(id: $id) {\n      id\n      title\n      description\n      tier\n      ownerDept\n      access\n      version\n      updatedAt\n      recordCount\n      keyFields\n      fields {\n        name\n        title\n        type\n        description\n        sensitivity\n        mask\n        isKey\n        required\n        indexed\n        subject\n        dimension\n      }\n    }\n  }\n": types.ConsoleDatasetDocument,
    "\n  query ConsoleRedBlackLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n    }\n    redBlackListPublicKey\n  }\n": types.ConsoleRedBlackListsDocument,
    "\n  query ConsoleRedBlackList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n      jws\n      body\n      departments {\n        dept\n        list\n        score\n        reasons\n        figures\n      }\n    }\n  }\n": types.ConsoleRedBlackListDocument,
    "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n": types.ConsoleStewardInboxDocument,
    "\n  fragment ConsoleAccessRequest on AccessRequest {\n    id\n    datasetId\n    ownerDept\n    requesterDept\n    requestedBy\n    purpose\n    legalBasis\n    durationDays\n    fields {\n      name\n      title\n      type\n    }\n    unmaskedFields\n    status\n    assignee\n    filedAt\n    deadline\n    deadlineStatus\n    workingDaysLeft\n    decidedAt\n    decidedBy\n    decision {\n      fields\n      unmaskedFields\n      durationDays\n      note\n    }\n    rejectReason\n    rejectText\n    grant {\n      id\n      fields\n      unmaskedFields\n      expiresAt\n      active\n    }\n    history {\n      at\n      actor\n      kind\n    }\n  }\n": types.ConsoleAccessRequestFragmentDoc,
    "\n  query ConsoleAccessRequest($id: ID!) {\n    accessRequest(id: $id) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleAccessRequestDocument,
    "\n  mutation ConsoleApproveAccessRequest($id: ID!, $input: ApproveAccessInput, $key: String) {\n    approveAccessRequest(id: $id, input: $input, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleApproveAccessRequestDocument,
    "\n  mutation ConsoleRejectAccessRequest($id: ID!, $reason: RejectReason!, $text: String!, $key: String) {\n    rejectAccessRequest(id: $id, reason: $reason, text: $text, idempotencyKey: $key) {\n      ...ConsoleAccessRequest\n    }\n  }\n": types.ConsoleRejectAccessRequestDocument,
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
export function graphql(source: "\n  query ConsoleGovernanceDepartments {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n"): (typeof documents)["\n  query ConsoleGovernanceDepartments {\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleGovernanceFigures($dept: String!, $from: DateTime!, $to: DateTime!) {\n    governanceFigures(dept: $dept, from: $from, to: $to) {\n      dept\n      from\n      to\n      received\n      decided\n      approved\n      rejected\n      refusalRate\n      narrowedRate\n      refusalReasons {\n        reason\n        count\n        share\n      }\n      decisionDaysMedian\n      decisionDaysP90\n      decidedLate\n      overdueNow\n      pendingNow\n      activeGrants\n      targets {\n        refusalRate\n        decisionDaysP90\n        overdue\n      }\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleGovernanceFigures($dept: String!, $from: DateTime!, $to: DateTime!) {\n    governanceFigures(dept: $dept, from: $from, to: $to) {\n      dept\n      from\n      to\n      received\n      decided\n      approved\n      rejected\n      refusalRate\n      narrowedRate\n      refusalReasons {\n        reason\n        count\n        share\n      }\n      decisionDaysMedian\n      decisionDaysP90\n      decidedLate\n      overdueNow\n      pendingNow\n      activeGrants\n      targets {\n        refusalRate\n        decisionDaysP90\n        overdue\n      }\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleGovernanceScores($period: String!) {\n    departmentScores(period: $period) {\n      dept\n      accuracy\n      accuracyTarget\n      records\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleGovernanceScores($period: String!) {\n    departmentScores(period: $period) {\n      dept\n      accuracy\n      accuracyTarget\n      records\n      warnings {\n        figure\n        value\n        target\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleGrants {\n    grants(activeOnly: false) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n"): (typeof documents)["\n  query ConsoleGrants {\n    grants(activeOnly: false) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n    departments {\n      code\n      nameZh\n      nameEn\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleGrantDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 50) {\n      nodes {\n        id\n        title\n        ownerDept\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleGrantDatasets {\n    datasets(filter: { tier: RESTRICTED }, first: 50) {\n      nodes {\n        id\n        title\n        ownerDept\n        fields {\n          name\n          title\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleCreateGrant($input: CreateGrantInput!) {\n    createGrant(input: $input) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleCreateGrant($input: CreateGrantInput!) {\n    createGrant(input: $input) {\n      id\n      datasetId\n      granteeDept\n      fields\n      unmaskedFields\n      purpose\n      expiresAt\n      createdAt\n      createdBy\n      revokedAt\n      active\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRevokeGrant($id: ID!, $reason: String!) {\n    revokeGrant(id: $id, reason: $reason) {\n      id\n      revokedAt\n      active\n    }\n  }\n"): (typeof documents)["\n  mutation ConsoleRevokeGrant($id: ID!, $reason: String!) {\n    revokeGrant(id: $id, reason: $reason) {\n      id\n      revokedAt\n      active\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsoleRevokeToken($jti: String!, $reason: String!) {\n    revokeToken(jti: $jti, reason: $reason)\n  }\n"): (typeof documents)["\n  mutation ConsoleRevokeToken($jti: String!, $reason: String!) {\n    revokeToken(jti: $jti, reason: $reason)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsolePublishedLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"): (typeof documents)["\n  query ConsolePublishedLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConsolePublishRedBlackList($period: String!) {\n    publishRedBlackList(period: $period) {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"): (typeof documents)["\n  mutation ConsolePublishRedBlackList($period: String!) {\n    publishRedBlackList(period: $period) {\n      id\n      period\n      issuedAt\n      supersededBy\n    }\n  }\n"];
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
export function graphql(source: "\n  query ConsoleRedBlackLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n    }\n    redBlackListPublicKey\n  }\n"): (typeof documents)["\n  query ConsoleRedBlackLists {\n    redBlackLists {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n    }\n    redBlackListPublicKey\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleRedBlackList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n      jws\n      body\n      departments {\n        dept\n        list\n        score\n        reasons\n        figures\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConsoleRedBlackList($id: ID!) {\n    redBlackList(id: $id) {\n      id\n      period\n      issuedAt\n      supersedes\n      supersededBy\n      jws\n      body\n      departments {\n        dept\n        list\n        score\n        reasons\n        figures\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n"): (typeof documents)["\n  query ConsoleStewardInbox($status: AccessRequestStatus, $assignedToMe: Boolean) {\n    accessRequests(box: RECEIVED, status: $status, assignedToMe: $assignedToMe, first: 100) {\n      id\n      datasetId\n      requesterDept\n      requestedBy\n      purpose\n      assignee\n      status\n      deadline\n      deadlineStatus\n      workingDaysLeft\n      filedAt\n    }\n  }\n"];
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

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;