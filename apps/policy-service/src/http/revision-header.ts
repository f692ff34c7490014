/**
 * On every write response: the control-plane revision the change committed as. Enforcers report
 * the revision they have applied, so a caller can wait for exactly this change to arrive.
 */
export const REVISION_HEADER = 'x-control-revision';
