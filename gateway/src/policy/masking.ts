// The hub's one masking rule lives in its policy module (the quality service masks with it too).
export { maskHash, maskPartial, maskRecord, maskValue, type MaskedField } from '@govshare/platform/policy';
