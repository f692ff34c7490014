/** The database role the policy service switches to: no UPDATE, DELETE or TRUNCATE on the audit log. */
export const POLICY_SERVICE_DB_ROLE = 'rl_policy_service';
