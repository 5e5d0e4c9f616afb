// The hub's one masking module lives in @govshare/platform (the quality service masks with it too).
export { maskHash, maskPartial, maskRecord, maskValue, type MaskedField } from '@govshare/platform';
