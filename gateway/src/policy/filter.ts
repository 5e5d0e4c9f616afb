export { filterFields } from '@govshare/platform/policy';
