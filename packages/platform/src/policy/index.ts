// Authorization in one place: the tier rules for reads, the role and department rules for every
// other decision, the one keyed masking rule, and which fields name a record's subject (x-subject).
// Every module asks here with the verified caller; none checks roles on its own.
export * from './decision.ts';
export * from './decisions.ts';
export * from './tiers.ts';
export * from './masking.ts';
