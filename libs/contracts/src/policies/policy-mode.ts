/** `enforce` denies over the limit; `shadow` counts and reports but never denies. */
export const POLICY_MODES = ['enforce', 'shadow'] as const;
export type PolicyMode = (typeof POLICY_MODES)[number];
