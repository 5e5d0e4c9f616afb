import { describe, expect, it } from 'vitest';
import { ACCURACY_TARGET, accuracyWarnings } from './departments.ts';

describe('a department’s accuracy against the plans’ target', () => {
  it('is 95%, and warns only when more than 10% (relative) below it', () => {
    expect(ACCURACY_TARGET).toBe(0.95);
    expect(accuracyWarnings(null)).toEqual([]);
    expect(accuracyWarnings(0.95)).toEqual([]);
    expect(accuracyWarnings(0.855)).toEqual([]); // exactly 10% below: not more
    expect(accuracyWarnings(0.65)).toEqual([
      {
        figure: 'accuracy',
        value: 0.65,
        target: 0.95,
        message: 'data accuracy 65.0% is more than 10% below the target of 95%',
      },
    ]);
  });
});
