export * from './schemas.ts';
export * from './types.ts';
/** The TypeBox definitions the types and schemas come from, and their enums' values (e.g. `model.TIERS`). */
export * as model from './model/index.ts';
