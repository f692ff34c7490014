import { PageHeader } from '../components';
import { useApi } from '../context';
import { emptyPolicyForm } from '../policy-form';
import { routeHref } from '../router';
import type { Policy } from '../types';
import { PolicyForm } from './policy-form';

export function PolicyNewPage(props: { navigate: (href: string, flash?: string) => void }) {
  const api = useApi();
  return (
    <section>
      <PageHeader title="New policy" subtitle="Version 1 is stored and sent to every region at once." />
      <PolicyForm
        initial={emptyPolicyForm()}
        mode="create"
        submitLabel="Create policy"
        submit={async (body) => {
          const created = await api.post<Policy>('/v1/policies', body);
          props.navigate(routeHref({ page: 'policy', id: created.id }), `Policy ${created.id} created (version ${created.version}).`);
        }}
        onCancel={() => props.navigate(routeHref({ page: 'policies' }))}
      />
    </section>
  );
}
