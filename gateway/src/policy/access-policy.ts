// The tier rules live in the hub's one policy module; these are the names the gateway has used.
export {
  activeGrant,
  datasetAccessLevel as accessLevel,
  mayReadRecords as decideRecordAccess,
  type AccessBasis,
  type AccessDecision,
  type AccessLevel,
} from '@govshare/platform/policy';
