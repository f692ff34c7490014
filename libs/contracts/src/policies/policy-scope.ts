/** `regional`: each region counts on its own. `global`: one limit shared by all regions. */
export const POLICY_SCOPES = ['regional', 'global'] as const;
export type PolicyScope = (typeof POLICY_SCOPES)[number];
