// drizzle-kit reads this to generate migrations from src/schema.ts (pnpm db:generate).
export default { dialect: 'postgresql', schema: './src/schema.ts', out: './migrations' };
